import { type ActivationReport, withMetricScope } from "@fm-rendezvous/domain"
import { Clock, Duration, Effect, Layer, Option, Ref } from "effect"
import type { ExecutorSettings } from "../config.ts"
import { daemonMetrics } from "../observability/daemonMetrics.ts"
import type { ListenAddress } from "../observability/listenAddress.ts"
import { reportLogFields } from "../render/report.ts"
import { activateUninterruptibly, activationDidWork, modeOfActivation } from "./activation.ts"
import { collectDestroyed, pruneAuditRecord, pruneOldHistory } from "./housekeeping.ts"
import { holdExecutorName } from "./lease.ts"
import { makeSitrepLoader } from "./loader.ts"

const defectMessage = (d: unknown): string => (d instanceof Error ? d.message : String(d))

/**
 * `fm run` (SPEC 3.6, 7.2): activations periodically and as soon as the loader brings a newer
 * sitrep; every Nth activation also reconciles (SPEC 3.4). Housekeeping (bundle collector,
 * history pruner) runs beside it. Interrupting it (SIGINT/SIGTERM) waits for the activation in
 * flight, which is uninterruptible, then stops: nothing half-done is lost. With `metricsListen`,
 * SPEC 9's metrics are served there for as long as the daemon runs. The executor name's lease
 * (lease.ts) is taken first, before anything else starts, and released last, once the activation
 * in flight stored its report; losing it to another process stops the daemon (exit 1).
 */
export const runDaemon = (
  executor: string,
  settings: ExecutorSettings,
  onReport: (r: ActivationReport) => Effect.Effect<void>,
  metricsListen: Option.Option<ListenAddress> = Option.none()
) =>
  Effect.gen(function*() {
    const { lease, renewals } = yield* holdExecutorName(executor, settings.leaseTtl)
    if (Option.isSome(metricsListen)) yield* Layer.build(daemonMetrics(executor, metricsListen.value))
    const loader = yield* makeSitrepLoader()
    const activations = yield* Ref.make(0)
    let lastActivation = Number.NEGATIVE_INFINITY

    const housekeeping = Effect.gen(function*() {
      const removed = yield* collectDestroyed
      if (Object.keys(removed).length > 0) yield* Effect.logInfo("destroyed resources removed").pipe(Effect.annotateLogs(removed))
      const pruned = yield* pruneOldHistory(settings.historyToKeep, settings.sweepPageSize)
      if (pruned.sitrepsRemoved > 0 || pruned.historyRemoved > 0) {
        yield* Effect.logInfo("history pruned").pipe(Effect.annotateLogs({ ...pruned, keep: settings.historyToKeep }))
      }
      const forgotten = yield* pruneAuditRecord(settings.auditRetention)
      if (forgotten > 0) {
        yield* Effect.logInfo("audit record pruned").pipe(Effect.annotateLogs({ removed: forgotten, retention: Duration.format(settings.auditRetention) }))
      }
    }).pipe(
      Effect.catch((e) => Effect.logWarning(`housekeeping failed: ${e.message}`)),
      Effect.catchDefect((d) => Effect.logError(`housekeeping failed unexpectedly: ${defectMessage(d)}`)),
      Effect.andThen(Effect.sleep(settings.housekeepingPeriod)),
      Effect.forever
    )
    yield* Effect.forkScoped(housekeeping)

    const tick = Effect.gen(function*() {
      // A failed load (database unreachable) is its own warning, logged at every poll until the
      // database answers again; no activation is attempted meanwhile.
      const loaded = yield* Effect.catch(loader.refresh, (e) =>
        Effect.as(Effect.logWarning(`sitrep load failed: ${e.message}`), null))
      if (loaded === null) return
      const held = yield* loader.held
      const now = yield* Clock.currentTimeMillis
      if (Option.isNone(held)) return
      if (loaded) yield* Effect.logInfo(`loaded sitrep version ${held.value.version}`)
      if (!loaded && now - lastActivation < Duration.toMillis(settings.activationPeriod)) return
      // Counted before it runs: a failing activation is retried at the period, not at every poll.
      lastActivation = now
      const n = yield* Ref.updateAndGet(activations, (x) => x + 1)
      const report = yield* activateUninterruptibly(executor, held.value, settings, modeOfActivation(n, settings))
      // An idle activation (nothing to create or sweep) is a DEBUG line, not INFO every period.
      yield* (activationDidWork(report) ? Effect.logInfo : Effect.logDebug)("activation").pipe(Effect.annotateLogs(reportLogFields(report)))
      yield* onReport(report)
    }).pipe(
      Effect.catch((e) => Effect.logWarning(`activation failed: ${e.message}`)),
      // A defect (a bug, or a library turning a fault into one) is logged and the daemon goes on:
      // every store call is atomic, so the next tick starts from a consistent database.
      Effect.catchDefect((d) => Effect.logError(`activation failed unexpectedly: ${defectMessage(d)}`))
    )

    yield* Effect.logInfo(`executor ${executor} started as pid ${lease.pid} on ${lease.host}`)
    yield* Effect.onInterrupt(
      // The loop runs until interrupted; the renewals end it only by finding the name taken over.
      Effect.raceFirst(Effect.forever(Effect.andThen(tick, Effect.sleep(settings.loaderPollInterval))), renewals),
      () => Effect.logInfo(`executor ${executor} stopping`)
    )
  }).pipe(withMetricScope({ executor }), Effect.scoped)

