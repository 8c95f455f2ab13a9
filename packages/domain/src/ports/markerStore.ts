import { Context, type Effect, type Option } from "effect"
import type { StoreError } from "../errors.ts"
import type { Generation } from "../model/generation.ts"
import type { KindName, ResourceId, SitrepId } from "../model/ids.ts"
import type { Marker } from "../model/resource.ts"

/** Where the next candidate page starts: marked markers are ordered by (dropped generation, id). */
export interface CandidateCursor {
  readonly generation: Generation
  readonly id: ResourceId
}

export type SweepPage<Cursor> =
  | { readonly _tag: "SitrepMissing" }
  | {
    readonly _tag: "Page"
    /** Markers deleted by this page (SPEC 3.3 decided each one). */
    readonly deleted: ReadonlyArray<ResourceId>
    /** Markers (candidates, or all of them when reconciling) this page looked at. */
    readonly examined: number
    /** Null when the candidates or the table are exhausted. */
    readonly next: Cursor | null
  }

export class MarkerStore extends Context.Service<MarkerStore, {
  readonly get: (kind: KindName, id: ResourceId) => Effect.Effect<Option.Option<Marker>, StoreError>
  /**
   * ONE atomic step (SPEC 3.4): a page of GC candidates, the markers whose dropped generation is
   * at or below the held sitrep's generation, after `cursor`; deletes those the GC rule allows,
   * judged from the sitrep as stored (fails closed if it is gone). The others stay marked.
   */
  readonly sweepCandidates: (
    kind: KindName,
    held: SitrepId,
    cursor: CandidateCursor | null,
    pageSize: number
  ) => Effect.Effect<SweepPage<CandidateCursor>, StoreError>
  /** ONE atomic step: the reconciliation pass, a page of all markers by id after `cursor`. */
  readonly reconcilePage: (
    kind: KindName,
    held: SitrepId,
    cursor: ResourceId | null,
    pageSize: number
  ) => Effect.Effect<SweepPage<ResourceId>, StoreError>
}>()("fm/MarkerStore") {}
