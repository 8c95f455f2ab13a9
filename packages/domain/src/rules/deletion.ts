import type { ResourceKind } from "../kinds/kind.ts"
import type { Marker, Resource } from "../model/resource.ts"

/**
 * SPEC 3.2: what one operator delete does, decided from one read of the row and its marker. The
 * adapters apply the plan in one atomic step, with at most one mutation of each table.
 */
export type DeletePlan =
  /** Nothing FM created and no row: nothing to delete. */
  | { readonly _tag: "NotFound" }
  /** Deleted before (tombstone present, or already being destroyed): keep the first deletion. */
  | { readonly _tag: "AlreadyDeleted"; readonly at: Date | null; readonly by: string | null }
  /** Hard-delete the row now; stamp the marker if FM created it. */
  | { readonly _tag: "Remove"; readonly stampMarker: boolean }
  /** Move the row to its destroying state (a collector removes it); stamp the marker. */
  | { readonly _tag: "BeginDestroying"; readonly state: string; readonly stampMarker: boolean }

export const deletePlan = (
  kind: Pick<ResourceKind, "lifecycle">,
  row: Resource | undefined,
  marker: Marker | undefined
): DeletePlan => {
  const tombstoned = marker !== undefined && marker.timeDeleted !== null
  const stampMarker = marker !== undefined && !tombstoned
  if (tombstoned) return { _tag: "AlreadyDeleted", at: marker.timeDeleted, by: marker.deletedBy }
  if (row === undefined) return { _tag: "NotFound" }
  const lifecycle = kind.lifecycle
  if (lifecycle === null || row.state === null || lifecycle.removableStates.includes(row.state)) {
    return { _tag: "Remove", stampMarker }
  }
  if (row.state === lifecycle.destroyingState) {
    // Not FM-created (no marker) and already on its way out: nothing more to do.
    return { _tag: "AlreadyDeleted", at: null, by: null }
  }
  return { _tag: "BeginDestroying", state: lifecycle.destroyingState, stampMarker }
}
