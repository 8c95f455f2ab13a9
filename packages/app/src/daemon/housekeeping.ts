import { AuditLog, Authorization, Kinds, pages, pruneHistory, ResourceStore } from "@fm-rendezvous/domain"
import { Clock, Duration, Effect, Option, Stream } from "effect"

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

/** Entries the audit pruner removes per statement, and the most statements of one round. */
const AUDIT_PRUNE_PAGE = 1000
const AUDIT_PRUNE_PAGES_PER_ROUND = 10

/**
 * The audit record's retention (issue 25.5, FM_AUDIT_RETENTION): removes entries older than
 * `retention`, oldest first, a bounded page per statement through the time index and a bounded
 * number of pages per round (a backlog is worked off over the next rounds). How many it removed.
 */
export const pruneAuditRecord = (retention: Duration.Duration, pageSize = AUDIT_PRUNE_PAGE, maxPages = AUDIT_PRUNE_PAGES_PER_ROUND) =>
  Effect.gen(function*() {
    const log = yield* AuditLog
    const before = new Date((yield* Clock.currentTimeMillis) - Duration.toMillis(retention))
    let removed = 0
    for (let page = 0; page < maxPages; page++) {
      const n = yield* log.prune(before, pageSize)
      removed += n
      if (n < pageSize) break
    }
    return removed
  })
