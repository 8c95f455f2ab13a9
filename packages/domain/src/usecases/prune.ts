import { Effect, Option, Stream } from "effect"
import { InvalidInput } from "../errors.ts"
import type { AdminGrant } from "../ports/authorization.ts"
import { type PruneResult, SitrepStore } from "../ports/sitrepStore.ts"
import { pages } from "./paging.ts"

/**
 * SPEC 3.5: prune history to the newest `keep` versions and remove the sitreps no longer in it,
 * one bounded page per call; the current sitrep is never removed. `onPage` reports progress.
 */
export const pruneHistory = Effect.fn("pruneHistory")(function*(
  grant: AdminGrant,
  keep: number,
  pageSize: number,
  onPage: (soFar: PruneResult) => Effect.Effect<void> = () => Effect.void
) {
  if (!Number.isSafeInteger(keep) || keep < 1) {
    return yield* new InvalidInput({ message: `--keep must be a whole number of at least 1 (the current sitrep is always kept), not ${keep}.` })
  }
  const store = yield* SitrepStore
  const none: PruneResult = { historyRemoved: 0, sitrepsRemoved: 0, pages: 0 }
  return yield* pages(undefined, () =>
    Effect.map(store.prunePage(grant, keep, pageSize), (p) => [p, p.done ? Option.none() : Option.some(undefined)] as const)).pipe(
      Stream.runFoldEffect(() => none, (total, page) => {
        const next = {
          historyRemoved: total.historyRemoved + page.historyRemoved,
          sitrepsRemoved: total.sitrepsRemoved + page.sitrepsRemoved,
          pages: total.pages + 1
        }
        return Effect.as(onPage(next), next)
      })
    )
})
