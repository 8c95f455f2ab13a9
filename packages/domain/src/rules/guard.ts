import type { Generation } from "../model/generation.ts"
import type { Marker } from "../model/resource.ts"

/**
 * SPEC 3.1: an executor holding sitrep S may create resources of kind K only if S's generation
 * for K EQUALS the current sitrep's (equal generations mean equal request sets). The guard fails
 * closed: no current sitrep, or a missing generation on either side, is stale.
 */
export const guardPasses = (held: Generation | undefined, current: Generation | undefined): boolean =>
  held !== undefined && current !== undefined && held === current

export type RequestOutcome = "Created" | "AlreadyExists" | "Tombstoned"

/** SPEC 3.1, per request once the guard passed: a tombstone wins, then any sign the resource exists. */
export const requestOutcome = (marker: Marker | undefined, rowExists: boolean): RequestOutcome => {
  if (marker !== undefined) return marker.timeDeleted !== null ? "Tombstoned" : "AlreadyExists"
  return rowExists ? "AlreadyExists" : "Created"
}
