import { Effect, Option } from "effect"
import { Kinds } from "../kinds/registry.ts"
import type { AuditEntry, DeleteOutcomeWord } from "../model/audit.ts"
import { AuditLog } from "../ports/auditLog.ts"
import type { ResourceId } from "../model/ids.ts"
import type { Marker, Resource } from "../model/resource.ts"
import { generationOf, type SitrepHeader } from "../model/sitrep.ts"
import { MarkerStore } from "../ports/markerStore.ts"
import { ResourceStore } from "../ports/resourceStore.ts"
import { SitrepStore } from "../ports/sitrepStore.ts"
import { collectibility } from "../rules/gc.ts"

/** SPEC 6 and 7.3: why a resource exists or not, and whether its marker is collectible now. */
export interface Explanation {
  readonly id: string
  readonly kind: string | null
  readonly exists: boolean
  readonly state: string | null
  readonly fmCreated: boolean
  readonly createdAtGeneration: bigint | null
  /** The generation of the publish that dropped the id, as marked on its marker (SPEC 3.4). */
  readonly droppedAtGeneration: bigint | null
  readonly deleted: { readonly at: string; readonly by: string | null } | null
  readonly requestedByCurrentSitrep: boolean
  readonly markerCollectible: boolean
  readonly reason: string
  /**
   * What the audit record says was done to this id (issue 25.5), newest first, at most
   * `EXPLAIN_HISTORY` entries: it outlives the marker, so a collected tombstone still has its delete.
   */
  readonly history: ReadonlyArray<AuditEntry>
}

/** How many audit entries an explanation carries (`fm audit --id` has them all). */
export const EXPLAIN_HISTORY = 20

/** The latest delete that removed (or began destroying) the id, from the audit record. */
const deletedIn = (history: ReadonlyArray<AuditEntry>) => {
  const entry = history.find((e) => e.action === "delete" && e.outcome !== ("alreadyDeleted" satisfies DeleteOutcomeWord))
  return entry === undefined ? null : { at: entry.at.toISOString(), by: entry.actor }
}

const reasonFor = (
  singular: string,
  row: Resource | undefined,
  marker: Marker | undefined,
  requested: boolean,
  current: SitrepHeader | undefined,
  generation: bigint | undefined
): { collectible: boolean; reason: string } => {
  if (marker !== undefined) {
    const verdict = collectibility(
      marker,
      current === undefined
        ? { _tag: "Missing" }
        : { _tag: "Present", generation: generationOf(current, marker.kind), requests: () => requested },
      "the current sitrep"
    )
    return { collectible: verdict.collectible, reason: verdict.collectible ? `its marker can be collected: ${verdict.reason}` : verdict.reason }
  }
  if (row !== undefined && row.caseId !== null) {
    // SPEC 3.3: a live resource's marker is collected once no sitrep that can pass the guard requests it.
    return {
      collectible: false,
      reason: `FM created this ${singular} for case ${row.caseId}; its marker was already collected, and nothing can request it again`
    }
  }
  if (row !== undefined) return { collectible: false, reason: `FM did not create this ${singular}; it has no marker to collect` }
  if (requested) {
    return {
      collectible: false,
      reason: `the current sitrep (generation ${generation}) requests it and it has not been created yet; the next activation holding that sitrep creates it`
    }
  }
  return { collectible: false, reason: `it has no marker: FM never created it, or its marker was already collected` }
}

export const explain = Effect.fn("explain")(function*(id: ResourceId) {
  const kinds = yield* Kinds
  const resources = yield* ResourceStore
  const markers = yield* MarkerStore
  const sitreps = yield* SitrepStore
  // The current sitrep's header and, per kind, one index lookup of the id: constant cost,
  // whatever the size of the current sitrep (issue 13).
  const current = Option.getOrUndefined(yield* sitreps.currentHeader)
  const history = yield* (yield* AuditLog).page({ subject: id }, null, EXPLAIN_HISTORY)
  for (const kind of kinds.all) {
    const row = Option.getOrUndefined(yield* resources.get(kind.name, id))
    const marker = Option.getOrUndefined(yield* markers.get(kind.name, id))
    const requested = current !== undefined && (yield* sitreps.currentRequests(kind.name, id))
    if (row === undefined && marker === undefined && !requested) continue
    const { collectible, reason } = reasonFor(
      kind.singular, row, marker, requested, current, current === undefined ? undefined : generationOf(current, kind.name))
    const explanation: Explanation = {
      id,
      kind: kind.name,
      exists: row !== undefined,
      state: row?.state ?? null,
      fmCreated: marker !== undefined || (row !== undefined && row.caseId !== null),
      createdAtGeneration: marker?.createdAtGeneration ?? null,
      droppedAtGeneration: marker?.droppedAtGeneration ?? null,
      deleted: marker?.timeDeleted ? { at: marker.timeDeleted.toISOString(), by: marker.deletedBy } : deletedIn(history),
      requestedByCurrentSitrep: requested,
      markerCollectible: collectible,
      reason,
      history
    }
    return explanation
  }
  // Gone from every store: the audit record may still say what happened to it (issue 25.5).
  const remembered = history.find((e) => e.kind !== null)
  const deleted = deletedIn(history)
  const unknown: Explanation = {
    id,
    kind: remembered?.kind ?? null,
    exists: false,
    state: null,
    fmCreated: false,
    createdAtGeneration: null,
    droppedAtGeneration: null,
    deleted,
    requestedByCurrentSitrep: false,
    markerCollectible: false,
    reason: deleted !== null
      ? `${deleted.by} deleted it at ${deleted.at} (the audit record says so); its resource and creation marker are gone since, and the current sitrep does not request it, so nothing can create it again`
      : remembered !== undefined
      ? "no resource, no creation marker, and the current sitrep does not request it; the audit record lists what was done to it"
      : "nothing knows this id: no resource, no creation marker, and the current sitrep does not request it",
    history
  }
  return unknown
})
