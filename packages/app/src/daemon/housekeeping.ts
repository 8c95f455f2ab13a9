import { Authorization, Kinds, pages, pruneHistory, ResourceStore } from "@fm-rendezvous/domain"
import { Effect, Option, Stream } from "effect"

const COLLECT_BATCH = 500

/**
 * The support-bundle collector (SPEC 3.2): removes rows an operator delete moved to their kind's
 * destroying state, a bounded batch per statement, for every kind that has a lifecycle.
 */
export const collectDestroyed = Effect.gen(function*() {
  const kinds = yield* Kinds
  const resources = yield* ResourceStore
  const removed: Record<string, number> = {}
  for (const kind of kinds.all) {
    if (kind.lifecycle === null) continue
    const total = yield* pages(undefined, () =>
      Effect.map(
        Effect.uninterruptible(resources.finishDestroying(kind.name, COLLECT_BATCH)),
        (n) => [n, n < COLLECT_BATCH ? Option.none() : Option.some(undefined)] as const
      )).pipe(Stream.runSum)
    if (total > 0) removed[kind.name] = total
  }
  return removed
})

/** The history pruner (SPEC 3.5): keep the newest versions; the current sitrep is never removed. */
export const pruneOldHistory = (keep: number, pageSize: number) =>
  Effect.flatMap(Authorization, (authz) => authz.executorGrant).pipe(
    Effect.flatMap((grant) => Effect.uninterruptible(pruneHistory(grant, keep, pageSize)))
  )
