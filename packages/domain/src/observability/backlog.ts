import { Clock, Effect, Metric, Option } from "effect"
import { Kinds } from "../kinds/registry.ts"
import type { KindName } from "../model/ids.ts"
import { CollectionBacklog } from "../ports/collectionBacklog.ts"
import { markersAwaitingCollection, oldestMarkerAwaitingCollection, withMetricScope } from "./metrics.ts"

/** One kind's collection backlog: markers awaiting collection and the oldest one's age in seconds (0 when none). */
export interface KindBacklog {
  readonly awaiting: number
  readonly oldestAgeSeconds: number
}

/** Reads one kind's backlog (two index-backed statements): what the gauges below and the console's history show. */
export const readBacklog = (kind: KindName) => Effect.gen(function*() {
  const backlog = yield* CollectionBacklog
  const awaiting = yield* backlog.awaiting(kind)
  const droppedAt = yield* backlog.oldestDroppedAt(kind)
  const now = yield* Clock.currentTimeMillis
  const age = Option.match(droppedAt, { onNone: () => 0, onSome: (t) => Math.max(0, (now - t.getTime()) / 1000) })
  return { awaiting, oldestAgeSeconds: awaiting === 0 ? 0 : age } satisfies KindBacklog
})

/**
 * Refreshes SPEC 9's two database gauges for every registered kind: how many markers await
 * collection, and the age in seconds of the oldest of them (0 when none: the analogue of
 * CockroachDB's `protected_age_sec`). A kind whose read fails keeps its last values; the failure
 * is counted in `fm_store_errors_total` and logged, and the next refresh tries again.
 */
export const refreshBacklogGauges = Effect.gen(function*() {
  const kinds = yield* Kinds
  for (const kind of kinds.all) {
    const labels = { kind: kind.name }
    yield* Effect.gen(function*() {
      const { awaiting, oldestAgeSeconds } = yield* readBacklog(kind.name)
      yield* Metric.update(Metric.withAttributes(markersAwaitingCollection, labels), awaiting)
      yield* Metric.update(Metric.withAttributes(oldestMarkerAwaitingCollection, labels), oldestAgeSeconds)
    }).pipe(
      Effect.catch((e) => Effect.logWarning(`refreshing the collection backlog of ${kind.plural} failed: ${e.message}`)),
      withMetricScope(labels)
    )
  }
})
