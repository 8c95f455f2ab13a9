import { Clock, Effect, Exit, Metric } from "effect"
import type { KindName } from "../model/ids.ts"
import type { ActivationReport, KindReport } from "../model/report.ts"
import { generationOf, type SitrepHeader } from "../model/sitrep.ts"
import type { GuardedBatchResult } from "../ports/resourceStore.ts"
import { lag } from "../rules/progress.ts"
import type { RequestOutcome } from "../rules/guard.ts"
import type { SweepSummary } from "../usecases/sweep.ts"
import {
  activationDuration,
  activationsTotal,
  currentSitrepVersion,
  executionLag,
  heldSitrepVersion,
  type KindResult,
  kindActivationsTotal,
  markersSweptTotal,
  type RequestOutcomeLabel,
  requestsTotal,
  sweepDuration,
  withMetricScope
} from "./metrics.ts"

/**
 * Where an activation's events are recorded (SPEC 9) and traced: each wrapper is one line at the
 * place the event happens in the use case, and keeps the metric and span logic out of it. Every
 * counter moves by exactly what the activation report says, because it counts the same results
 * the report is tallied from.
 */

/** What every span of an activation carries (issue 11: executor, kind, generation, sitrep version). */
export interface ActivationScope {
  readonly executor: string
  readonly sitrepVersion: number
}
export interface KindScope extends ActivationScope {
  readonly kind: string
  readonly generation: bigint | null | undefined
}

// Spans here are named for what they are, so they carry no captured call site: capturing one
// (`captureStackTrace`, on by default) cost about 50 µs per span, more than the rest of a
// steady-state activation's CPU time (measured with the in-memory adapter).
/** The scope of one kind's part of an activation, from the executor and the sitrep it holds. */
export const kindScope = (executor: string, held: SitrepHeader, kind: KindName): KindScope => ({
  executor,
  sitrepVersion: held.version,
  kind,
  generation: generationOf(held, kind)
})

const spanAttributes = (s: ActivationScope | KindScope) => ({
  "fm.executor": s.executor,
  "fm.sitrep.version": s.sitrepVersion,
  ...("kind" in s ? { "fm.kind": s.kind, "fm.generation": s.generation == null ? "none" : String(s.generation) } : {})
})

const span = (name: string, attributes: Record<string, unknown>) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.withSpan(self, name, { attributes, captureStackTrace: false })

const seconds = (nanos: bigint): number => Number(nanos) / 1e9

/** Runs `self`, then records its wall time (seconds) into `histogram`, whatever its exit. */
const timed = <A, E, R>(histogram: Metric.Metric<number, unknown>, self: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Clock.currentTimeNanos, (start) =>
    Effect.onExit(self, () => Effect.flatMap(Clock.currentTimeNanos, (end) => Metric.update(histogram, seconds(end - start)))))

/** One activation, all kinds: counted, timed, its held and current versions as gauges. */
export const observeActivation = (scope: ActivationScope) =>
<E, R>(self: Effect.Effect<ActivationReport, E, R>): Effect.Effect<ActivationReport, E, R> => {
  const labels = { executor: scope.executor }
  return timed(Metric.withAttributes(activationDuration, labels), self).pipe(
    Effect.onExit((exit) =>
      Effect.andThen(
        Metric.update(Metric.withAttributes(activationsTotal, labels), 1),
        Exit.isSuccess(exit)
          ? Effect.andThen(
            Metric.update(Metric.withAttributes(heldSitrepVersion, labels), exit.value.sitrep.version),
            exit.value.currentSitrep === null
              ? Effect.void
              : Metric.update(Metric.withAttributes(currentSitrepVersion, labels), exit.value.currentSitrep.version)
          )
          : Effect.void
      )
    ),
    withMetricScope(labels),
    span("fm.activation", spanAttributes(scope))
  )
}

/** SPEC 9's `result` label of `fm_kind_activations_total`, from the kind's report. */
export const kindResult = (k: KindReport): KindResult =>
  k.stale ? "stale" : k.errorCount > 0 ? "failed" : k.skipped ? "skipped" : "executed"

/** One kind's part of an activation (creation then sweep): its result and its lag. */
export const observeKind = (scope: KindScope) =>
<E, R>(self: Effect.Effect<KindReport, E, R>): Effect.Effect<KindReport, E, R> =>
  self.pipe(
    Effect.tap((k) => {
      const behind = lag(k.executedThrough, k.currentGeneration)
      return Effect.andThen(
        Metric.update(Metric.withAttributes(kindActivationsTotal, { executor: scope.executor, kind: scope.kind, result: kindResult(k) }), 1),
        behind === null ? Effect.void : Metric.update(Metric.withAttributes(executionLag, { kind: scope.kind }), Number(behind))
      )
    }),
    withMetricScope({ kind: scope.kind }),
    span("fm.kind", spanAttributes(scope))
  )

/** One kind's guarded creation, all its batches. */
export const observeCreation = (scope: KindScope) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
  span("fm.create", spanAttributes(scope))(self)

const outcomeLabel: Record<RequestOutcome, RequestOutcomeLabel> = {
  Created: "created",
  AlreadyExists: "already_existed",
  Tombstoned: "tombstoned"
}

/**
 * One guarded batch of `size` requests: each outcome counted; a failed batch counts `size`
 * errors, as the report notes one error per request of it; a stale batch counts nothing.
 */
export const observeBatch = (scope: KindScope, size: number) =>
<E, R>(self: Effect.Effect<GuardedBatchResult, E, R>): Effect.Effect<GuardedBatchResult, E, R> => {
  const count = (outcome: RequestOutcomeLabel, n: number) =>
    Metric.update(Metric.withAttributes(requestsTotal, { executor: scope.executor, kind: scope.kind, outcome }), n)
  return self.pipe(
    Effect.onExit((exit) => {
      if (Exit.isFailure(exit)) return Exit.hasInterrupts(exit) ? Effect.void : count("error", size)
      if (exit.value._tag === "StaleSitrep") return Effect.void
      const tally: Partial<Record<RequestOutcomeLabel, number>> = {}
      for (const { outcome } of exit.value.outcomes) tally[outcomeLabel[outcome]] = (tally[outcomeLabel[outcome]] ?? 0) + 1
      return Effect.forEach(Object.entries(tally), ([label, n]) => count(label as RequestOutcomeLabel, n), { discard: true })
    }),
    span("fm.guarded_batch", { ...spanAttributes(scope), "fm.batch.size": size })
  )
}

/** One sweep of one kind: timed, its collected markers counted. */
export const observeSweep = (scope: KindScope) =>
<E, R>(self: Effect.Effect<SweepSummary, E, R>): Effect.Effect<SweepSummary, E, R> => {
  const labels = { executor: scope.executor, kind: scope.kind }
  return timed(Metric.withAttributes(sweepDuration, labels), self).pipe(
    Effect.tap((s) => Metric.update(Metric.withAttributes(markersSweptTotal, labels), s.swept)),
    span("fm.sweep", spanAttributes(scope))
  )
}
