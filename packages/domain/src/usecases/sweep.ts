import { Effect, Option, Stream } from "effect"
import type { StoreError } from "../errors.ts"
import type { KindName, ResourceId, SitrepId } from "../model/ids.ts"
import { type CandidateCursor, MarkerStore, type SweepPage } from "../ports/markerStore.ts"
import { pages } from "./paging.ts"

export interface SweepSummary {
  readonly swept: number
  readonly pages: number
  /** The held sitrep was gone from storage: nothing was judged (the rule fails closed). */
  readonly sitrepMissing: boolean
}

const nothingSwept: SweepSummary = { swept: 0, pages: 0, sitrepMissing: false }

const addPage = <C>(total: SweepSummary, page: SweepPage<C>): SweepSummary =>
  page._tag === "SitrepMissing"
    ? { ...total, sitrepMissing: true }
    : { ...total, swept: total.swept + page.deleted.length, pages: total.pages + 1 }

/** Pages through one sweep until its last page, or until the held sitrep turns out to be gone. */
const sweepPages = <C>(page: (cursor: C | null) => Effect.Effect<SweepPage<C>, StoreError>, from: SweepSummary) =>
  pages<C | null, SweepPage<C>, StoreError, never>(null, (cursor) =>
    Effect.map(page(cursor), (p) => [p, p._tag === "Page" ? Option.fromNullishOr(p.next) : Option.none()] as const)).pipe(
      Stream.runFold(() => from, addPage)
    )

/**
 * SPEC 3.4: sweep the GC candidates of one kind (markers marked with the generation that dropped
 * their id), judged from the held sitrep, one bounded page per statement. With `reconcile`, also
 * page through every marker by id, which bounds how long a marker that missed its mark can delay
 * collection: that pass ran to its end exactly when `reconcile` was asked and the sitrep was stored.
 */
export const sweepKind = Effect.fn("sweepKind")(function*(
  kind: KindName,
  held: SitrepId,
  pageSize: number,
  reconcile: boolean
) {
  const markers = yield* MarkerStore
  const candidates = yield* sweepPages<CandidateCursor>((c) => markers.sweepCandidates(kind, held, c, pageSize), nothingSwept)
  if (!reconcile || candidates.sitrepMissing) return candidates
  return yield* sweepPages<ResourceId>((c) => markers.reconcilePage(kind, held, c, pageSize), candidates)
})
