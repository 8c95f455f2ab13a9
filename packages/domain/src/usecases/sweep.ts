import { Effect } from "effect"
import type { StoreError } from "../errors.ts"
import type { KindName, SitrepId } from "../model/ids.ts"
import { type CandidateCursor, MarkerStore, type SweepPage } from "../ports/markerStore.ts"

export interface SweepSummary {
  readonly swept: number
  readonly pages: number
  /** The held sitrep was gone from storage: nothing was judged (the rule fails closed). */
  readonly sitrepMissing: boolean
}

const pageThrough = <C>(page: (cursor: C | null) => Effect.Effect<SweepPage<C>, StoreError>) =>
  Effect.gen(function*() {
    let cursor: C | null = null
    let swept = 0
    let pages = 0
    while (true) {
      const result: SweepPage<C> = yield* page(cursor)
      if (result._tag === "SitrepMissing") return { swept, pages, sitrepMissing: true }
      pages += 1
      swept += result.deleted.length
      if (result.next === null) return { swept, pages, sitrepMissing: false }
      cursor = result.next
    }
  })

/**
 * SPEC 3.4: sweep the GC candidates of one kind (markers marked with the generation that dropped
 * their id), judged from the held sitrep, one bounded page per statement. With `reconcile`, also
 * page through every marker by id, which bounds how long a marker that missed its mark can delay
 * collection.
 */
export const sweepKind = Effect.fn("sweepKind")(function*(
  kind: KindName,
  held: SitrepId,
  pageSize: number,
  reconcile: boolean
) {
  const markers = yield* MarkerStore
  const ledger: SweepSummary = yield* pageThrough<CandidateCursor>((c) => markers.sweepCandidates(kind, held, c, pageSize))
  if (!reconcile || ledger.sitrepMissing) return ledger
  const full: SweepSummary = yield* pageThrough<string>((c) => markers.reconcilePage(kind, held, c as never, pageSize))
  return { swept: ledger.swept + full.swept, pages: ledger.pages + full.pages, sitrepMissing: full.sitrepMissing }
})
