import { Effect } from "effect"
import { InvalidInput } from "../errors.ts"
import type { AdminGrant } from "../ports/authorization.ts"
import { SitrepStore } from "../ports/sitrepStore.ts"

/**
 * SPEC 3.5: prune history to the newest `keep` versions and remove the sitreps no longer in it,
 * one bounded page per call; the current sitrep is never removed. `onPage` reports progress.
 */
export const pruneHistory = Effect.fn("pruneHistory")(function*(
  grant: AdminGrant,
  keep: number,
  pageSize: number,
  onPage: (soFar: { historyRemoved: number; sitrepsRemoved: number; pages: number }) => Effect.Effect<void> = () => Effect.void
) {
  if (!Number.isSafeInteger(keep) || keep < 1) {
    return yield* new InvalidInput({ message: `--keep must be a whole number of at least 1 (the current sitrep is always kept), not ${keep}.` })
  }
  const store = yield* SitrepStore
  const total = { historyRemoved: 0, sitrepsRemoved: 0, pages: 0 }
  while (true) {
    const page = yield* store.prunePage(grant, keep, pageSize)
    total.historyRemoved += page.historyRemoved
    total.sitrepsRemoved += page.sitrepsRemoved
    total.pages += 1
    yield* onPage(total)
    if (page.done) return total
  }
})
