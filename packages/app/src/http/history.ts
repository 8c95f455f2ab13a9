import { Kinds, lag, ProgressStore, readBacklog, SitrepStore } from "@fm-rendezvous/domain"
import { Clock, Config, Context, Duration, Effect, Layer, Option, Schedule } from "effect"

/**
 * What the console charts (issue 23): `fm serve` samples, every period, each kind's execution lag
 * and collection backlog, by the definitions of SPEC 9's `fm_execution_lag_generations`,
 * `fm_markers_awaiting_collection` and `fm_oldest_marker_awaiting_collection_seconds`, into a ring
 * of the last hour held in memory (lost on restart; Prometheus keeps the long history).
 * `GET /v1/status/history` answers it. Each sample is a few index-backed statements (the current
 * header, the progress rows, two backlog reads per kind), never a scan.
 */
export interface KindSample {
  /** Current generation minus executed-through generation; null with no current sitrep. */
  readonly lag: number | null
  readonly awaiting: number
  readonly oldestAgeSeconds: number
}

export interface Sample {
  readonly at: string
  readonly currentVersion: number | null
  readonly kinds: Readonly<Record<string, KindSample>>
}

/** How long the ring covers. */
export const HISTORY_SPAN = Duration.hours(1)

export const HistorySettings = Config.Duration("FM_STATUS_SAMPLE_PERIOD").pipe(Config.withDefault(Duration.seconds(15)))

export class StatusHistory extends Context.Service<StatusHistory, {
  readonly periodSeconds: number
  /** Oldest first, at most an hour. */
  readonly samples: Effect.Effect<ReadonlyArray<Sample>>
}>()("fm/http/StatusHistory") {}

/** One sample of every registered kind. */
export const sampleNow = Effect.gen(function*() {
  const kinds = yield* Kinds
  const header = yield* (yield* SitrepStore).currentHeader
  const progress = yield* (yield* ProgressStore).readAll
  const now = yield* Clock.currentTimeMillis
  const out: Record<string, KindSample> = {}
  for (const kind of kinds.all) {
    const current = Option.match(header, { onNone: () => null, onSome: (h) => h.generations[kind.name] ?? null })
    const behind = lag(progress[kind.name]?.executedThrough?.generation ?? null, current)
    const backlog = yield* readBacklog(kind.name)
    out[kind.name] = { lag: behind === null ? null : Number(behind), ...backlog }
  }
  return {
    at: new Date(now).toISOString(),
    currentVersion: Option.match(header, { onNone: () => null, onSome: (h) => Number(h.version) }),
    kinds: out
  } satisfies Sample
})

/** The sampler, for as long as the server's scope lives; a failed sample is logged and skipped. */
export const statusHistoryLayer = Layer.effect(
  StatusHistory,
  Effect.gen(function*() {
    const period = yield* HistorySettings
    const periodMillis = Math.max(100, Duration.toMillis(period))
    const capacity = Math.ceil(Duration.toMillis(HISTORY_SPAN) / periodMillis) + 1
    const ring: Array<Sample> = []
    const take = sampleNow.pipe(
      Effect.tap((s) => Effect.sync(() => {
        ring.push(s)
        if (ring.length > capacity) ring.splice(0, ring.length - capacity)
      })),
      Effect.catch((e) => Effect.logWarning(`sampling the status history failed: ${String((e as { message?: unknown }).message ?? e)}`))
    )
    yield* Effect.forkScoped(Effect.repeat(take, Schedule.spaced(Duration.millis(periodMillis))))
    return StatusHistory.of({
      periodSeconds: periodMillis / 1000,
      samples: Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const since = now - Duration.toMillis(HISTORY_SPAN)
        return ring.filter((s) => Date.parse(s.at) >= since)
      })
    })
  })
)
