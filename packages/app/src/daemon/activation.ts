import { activate, ActivationMode, type ActivationReport, type HeldSitrep, observeActivation, type Sitrep } from "@fm-rendezvous/domain"
import { Duration, Effect } from "effect"
import type { ExecutorSettings } from "../config.ts"

/**
 * One activation (SPEC 3.6) as the app runs it: uninterruptible, so a SIGINT/SIGTERM that arrives
 * mid-activation lets it finish and store its report before the process stops (issue 4: graceful
 * shutdown losing nothing). Every port call is atomic anyway; this keeps the report truthful.
 */
export const activateUninterruptibly = (
  executor: string,
  held: Sitrep | HeldSitrep,
  // Without `reconcileInterval` (the bench) only `mode` decides.
  settings: Pick<ExecutorSettings, "batchSize" | "sweepPageSize"> & Partial<Pick<ExecutorSettings, "reconcileInterval">>,
  mode: ActivationMode
): Effect.Effect<ActivationReport, Effect.Error<ReturnType<typeof activate>>, Effect.Services<ReturnType<typeof activate>>> =>
  Effect.uninterruptible(
    activate({
      executor,
      held,
      batchSize: settings.batchSize,
      pageSize: settings.sweepPageSize,
      mode,
      ...(settings.reconcileInterval === undefined ? {} : { reconcileWithinMillis: Duration.toMillis(settings.reconcileInterval) })
    }).pipe(
      observeActivation({ executor, sitrepVersion: held.version })
    )
  )

/** The kinds for which the held sitrep was stale: the guard refused to create anything for them. */
export const staleKinds = (report: ActivationReport): ReadonlyArray<string> =>
  Object.entries(report.kinds).filter(([, k]) => k.stale).map(([name]) => name)

/** The nth activation of an executor (from 1) reconciles every `FM_RECONCILE_EVERY` (SPEC 3.4). */
export const modeOfActivation = (n: number, settings: Pick<ExecutorSettings, "reconcileEvery">): ActivationMode =>
  n % settings.reconcileEvery === 0 ? ActivationMode.Reconcile() : ActivationMode.Routine()

/**
 * Issue 25, item 11: whether an activation changed or found anything worth an INFO line: it
 * created resources, swept markers, met errors or a stale guard, or ran a reconciliation pass.
 * An idle daemon's activations (everything already executed and swept) log at DEBUG.
 */
export const activationDidWork = (report: ActivationReport): boolean =>
  Object.values(report.kinds).some((k) => k.created > 0 || k.markersSwept > 0 || k.errorCount > 0 || k.stale || k.reconciled)
