import { initialiseExecutorSeries, Kinds, refreshBacklogGauges } from "@fm-rendezvous/domain"
import { Duration, Effect, Layer, Schedule } from "effect"
import type { ListenAddress } from "./listenAddress.ts"
import { metricsListener } from "./metricsListener.ts"

/**
 * SPEC 9: gauges read from the database are refreshed at most this often, whatever the scrape
 * rate: on a timer of their own, never by a scrape.
 */
export const BACKLOG_REFRESH_PERIOD = Duration.seconds(15)

/** The collection-backlog gauges, refreshed now and then every period, for as long as the scope lives. */
export const backlogGaugesLayer = Layer.effectDiscard(
  Effect.forkScoped(Effect.repeat(refreshBacklogGauges, Schedule.spaced(BACKLOG_REFRESH_PERIOD)))
)

/**
 * What `fm run --metrics-listen` adds to the daemon: the listener, the executor's known series at
 * 0 (so `increase()` sees the first event), and the backlog gauges.
 */
export const daemonMetrics = (executor: string, address: ListenAddress) =>
  Layer.mergeAll(
    metricsListener(address),
    backlogGaugesLayer,
    Layer.effectDiscard(Effect.flatMap(Kinds, (kinds) => initialiseExecutorSeries(executor, kinds.all.map((k) => k.name))))
  )
