import type { Generation } from "./generation.ts"
import type { CaseId, KindName, ResourceId } from "./ids.ts"

/** A resource row (an alert, a support bundle, ...): common columns plus kind-specific fields. */
export interface Resource {
  readonly kind: KindName
  readonly id: ResourceId
  readonly caseId: CaseId | null
  readonly timeCreated: Date
  /** Lifecycle state for kinds that have one (support bundles), else null. */
  readonly state: string | null
  readonly fields: Readonly<Record<string, unknown>>
}

/**
 * The creation marker of one FM-created resource (SPEC 2). Written with the resource, it outlives
 * it: once `timeDeleted` is set it is the tombstone that stops any executor re-creating the id.
 * `droppedAtGeneration` is the GC candidate mark of SPEC 3.4, folded into the marker: set by the
 * publish that dropped the id (null while no publish has), it only says where the sweep looks;
 * rule 3.3 still decides every deletion.
 */
export interface Marker {
  readonly kind: KindName
  readonly resourceId: ResourceId
  readonly createdAtGeneration: Generation
  readonly timeCreated: Date
  readonly timeDeleted: Date | null
  readonly deletedBy: string | null
  readonly droppedAtGeneration: Generation | null
}

export const isTombstone = (m: Marker): boolean => m.timeDeleted !== null
