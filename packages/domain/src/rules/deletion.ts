import type { ResourceKind } from "../kinds/kind.ts"
import { FIRST_GENERATION, type Generation } from "../model/generation.ts"
import type { KindName, ResourceId } from "../model/ids.ts"
import type { Marker, Resource } from "../model/resource.ts"

/**
 * SPEC 3.2: what one operator delete does, decided from one read of the row and its marker. The
 * adapters apply the plan in one atomic step, with at most one mutation of each table.
 *
 * Every delete of a row leaves a tombstone (issue 18), whether or not FM created the row: a row
 * without a marker (data from before FM, or written by another path) gets a marker written as a
 * tombstone (`tombstoneFor`), so no later activation, routine or reconciling, can create it again.
 */
export type DeletePlan =
  /** Nothing FM created and no row: nothing to delete. */
  | { readonly _tag: "NotFound" }
  /** Deleted before (tombstone present): keep the first deletion. */
  | { readonly _tag: "AlreadyDeleted"; readonly at: Date | null; readonly by: string | null }
  /**
   * Hard-delete the row now and leave a tombstone: `stampMarker` is always true (the field stays
   * for the API's outcome header); `fmCreated` says whether FM's marker is stamped (true) or a
   * tombstone is written for a row FM did not create (false).
   */
  | { readonly _tag: "Remove"; readonly stampMarker: true; readonly fmCreated: boolean }
  /** Move the row to its destroying state (a collector removes it); leave the tombstone as above. */
  | { readonly _tag: "BeginDestroying"; readonly state: string; readonly stampMarker: true; readonly fmCreated: boolean }

export const deletePlan = (
  kind: Pick<ResourceKind, "lifecycle">,
  row: Resource | undefined,
  marker: Marker | undefined
): DeletePlan => {
  if (marker !== undefined && marker.timeDeleted !== null) {
    return { _tag: "AlreadyDeleted", at: marker.timeDeleted, by: marker.deletedBy }
  }
  if (row === undefined) return { _tag: "NotFound" }
  const fmCreated = marker !== undefined
  const lifecycle = kind.lifecycle
  if (lifecycle === null || row.state === null || lifecycle.removableStates.includes(row.state)) {
    return { _tag: "Remove", stampMarker: true, fmCreated }
  }
  // Already on its way out and without a marker: deleted before, and the marker that delete left
  // was collected (its id was dropped for good, so nothing can request it again). A second delete
  // changes nothing and says so; it must not count as a second removal.
  if (!fmCreated && row.state === lifecycle.destroyingState) return { _tag: "AlreadyDeleted", at: null, by: null }
  return { _tag: "BeginDestroying", state: lifecycle.destroyingState, stampMarker: true, fmCreated }
}

/**
 * The tombstone a delete writes for a row FM did not create (issue 18), judged from the current
 * sitrep at the delete (one atomic step with it):
 * - `createdAtGeneration` is the kind's current generation (the first one without history). GC
 *   safety (SPEC 3.3) holds as for FM's markers: a sitrep that may collect it has a higher
 *   generation, so it is later in the lineage than the delete; if it does not request the id, the
 *   id was dropped for good, or was never requested and cannot be added while the tombstone is
 *   known (publishing refuses ids with a marker, SPEC 7.1).
 * - `droppedAtGeneration` is that generation too when the current sitrep does not request the id,
 *   so the candidate sweep finds it without waiting for a publish that drops it (none will);
 *   null while it is requested: the publish that drops it marks it, as any marker.
 */
export const tombstoneFor = (
  kind: KindName,
  id: ResourceId,
  current: { readonly generation: Generation | undefined; readonly requested: boolean },
  at: Date,
  actor: string
): Marker => {
  const generation = current.generation ?? FIRST_GENERATION
  return {
    kind,
    resourceId: id,
    createdAtGeneration: generation,
    timeCreated: at,
    timeDeleted: at,
    deletedBy: actor,
    droppedAtGeneration: current.requested ? null : generation
  }
}
