import { Context, Effect, Metric } from "effect"
import type { StoreError } from "../errors.ts"

/**
 * SPEC 9: the metrics an operator watches, with their names and labels (a contract: dashboards
 * and alert rules rely on them). Defined once here, in effect's own `Metric` module, and recorded
 * where the event happens (observe.ts, the SQL adapter's store errors, the gauges' refresher).
 * Any process serves them in the Prometheus text format from the one default registry
 * (`PrometheusMetrics` of effect/observability): `fm run --metrics-listen` and `fm serve`.
 */

/** Seconds: from a steady-state activation (milliseconds) to a large first execution (minutes). */
const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]

export const activationsTotal = Metric.counter("fm_activations_total", {
  description: "Activations run, per executor.",
  incremental: true
})
export const activationDuration = Metric.histogram("fm_activation_duration_seconds", {
  description: "One activation, all kinds, in seconds.",
  boundaries: SECONDS
})
export const kindActivationsTotal = Metric.counter("fm_kind_activations_total", {
  description: "Per kind, how each activation ended: executed, skipped, stale or failed.",
  incremental: true
})
export const requestsTotal = Metric.counter("fm_requests_total", {
  description: "Per-request outcomes of guarded creation: created, already_existed, tombstoned, error.",
  incremental: true
})
export const markersSweptTotal = Metric.counter("fm_markers_swept_total", {
  description: "Creation markers collected.",
  incremental: true
})
export const sweepDuration = Metric.histogram("fm_sweep_duration_seconds", {
  description: "One sweep of one kind, in seconds.",
  boundaries: SECONDS
})
export const heldSitrepVersion = Metric.gauge("fm_held_sitrep_version", {
  description: "The sitrep history version the executor holds."
})
export const currentSitrepVersion = Metric.gauge("fm_current_sitrep_version", {
  description: "The current sitrep version as of the executor's last load."
})
export const executionLag = Metric.gauge("fm_execution_lag_generations", {
  description: "Current generation minus executed-through generation, per kind."
})
export const markersAwaitingCollection = Metric.gauge("fm_markers_awaiting_collection", {
  description: "Creation markers whose ids were dropped and that are not yet collected."
})
export const oldestMarkerAwaitingCollection = Metric.gauge("fm_oldest_marker_awaiting_collection_seconds", {
  description: "Age of the oldest marker awaiting collection, from the publish that dropped its id (0 when none)."
})
export const storeErrorsTotal = Metric.counter("fm_store_errors_total", {
  description: "Database failures met, by SQLSTATE (none: no code, such as a lost connection).",
  incremental: true
})

export type KindResult = "executed" | "skipped" | "stale" | "failed"
export type RequestOutcomeLabel = "created" | "already_existed" | "tombstoned" | "error"
export const KIND_RESULTS: ReadonlyArray<KindResult> = ["executed", "skipped", "stale", "failed"]
export const REQUEST_OUTCOMES: ReadonlyArray<RequestOutcomeLabel> = ["created", "already_existed", "tombstoned", "error"]

/** The label value for "no such thing here": a store error outside any kind, or without a SQLSTATE. */
export const NONE = "none"

/**
 * Who is doing the work, for the labels of metrics recorded deep in an adapter (a store error
 * knows its SQLSTATE, not its executor or kind). The daemon sets the executor, each kind's part
 * of an activation the kind. A reference of its own, not `Metric.CurrentMetricAttributes`, so it
 * never leaks into metrics that do not carry those labels.
 */
export const MetricScope = Context.Reference<{ readonly executor: string; readonly kind: string }>("fm/MetricScope", {
  defaultValue: () => ({ executor: NONE, kind: NONE })
})

export const withMetricScope = (scope: Partial<{ readonly executor: string; readonly kind: string }>) =>
<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(MetricScope, (outer) => Effect.provideService(self, MetricScope, { ...outer, ...scope }))

/** One store failure met, labelled with the scope it happened in. */
export const recordStoreError = (sqlstate: string | undefined): Effect.Effect<void> =>
  Effect.flatMap(MetricScope, ({ executor, kind }) =>
    Metric.update(Metric.withAttributes(storeErrorsTotal, { executor, kind, sqlstate: sqlstate ?? NONE }), 1))

/**
 * Fails with a StoreError an adapter has just built from a database failure, counting it once in
 * `fm_store_errors_total`: the one call an adapter makes where its failures become StoreErrors.
 */
export const failStoreError = (error: StoreError): Effect.Effect<never, StoreError> =>
  Effect.andThen(recordStoreError(error.sqlstate), Effect.fail(error))

/**
 * Series an executor will use, at 0, so a dashboard or `increase()` sees them before the first
 * event (Prometheus advice: initialise the label sets you know).
 */
export const initialiseExecutorSeries = (executor: string, kinds: ReadonlyArray<string>): Effect.Effect<void> =>
  Effect.gen(function*() {
    yield* Metric.update(Metric.withAttributes(activationsTotal, { executor }), 0)
    for (const kind of kinds) {
      for (const result of KIND_RESULTS) yield* Metric.update(Metric.withAttributes(kindActivationsTotal, { executor, kind, result }), 0)
      for (const outcome of REQUEST_OUTCOMES) yield* Metric.update(Metric.withAttributes(requestsTotal, { executor, kind, outcome }), 0)
      yield* Metric.update(Metric.withAttributes(markersSweptTotal, { executor, kind }), 0)
    }
  })
