import { ActivationMode, Kinds } from "@fm-rendezvous/domain"
import { Config, Effect, Option, Ref } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { ExecutorSettings } from "../../config.ts"
import { activateUninterruptibly, staleKinds } from "../../daemon/activation.ts"
import { parseListenAddress } from "../../observability/listenAddress.ts"
import { declareSignalStopIsNormal } from "../../daemon/gracefulStop.ts"
import { holdExecutorName } from "../../daemon/lease.ts"
import { renderReport, reportToJson } from "../../render/report.ts"
import { Refused } from "../../shared/failure.ts"
import { lookUpSitrep } from "../../shared/sitrepLookup.ts"
import { Output } from "../output.ts"
import { databaseOnly, hasApi } from "../globalFlags.ts"
import { Operations } from "../operations.ts"
import { withOperations, withStores, withStoresWhenReady } from "../session.ts"

const executorFlag = Flag.String("executor").pipe(
  Flag.withDescription("This executor's name (else FM_EXECUTOR); status shows one report per name."),
  Flag.withFallbackConfig(Config.NonEmptyString("FM_EXECUTOR"))
)

const activateCommand = Command.make(
  "activate",
  {
    executor: executorFlag,
    sitrep: Flag.Int("sitrep").pipe(
      Flag.withDescription("Hold this (possibly stale) history version instead of the current sitrep."),
      Flag.optional
    ),
    reconcile: Flag.Boolean("reconcile").pipe(
      Flag.withDescription("Reconcile: execute every request again whatever progress says, and page through every creation marker."),
      Flag.withDefault(false)
    )
  },
  ({ executor, sitrep, reconcile }) =>
    withStores(Effect.gen(function*() {
      const output = yield* Output
      const kinds = yield* Kinds
      const settings = yield* ExecutorSettings
      const held = yield* lookUpSitrep(sitrep, "--sitrep")
      // Issue 25: a one-shot activation holds the executor name too, so it is refused while a
      // daemon (or another `fm activate`) runs under it: their reports and progress would interleave.
      const report = yield* Effect.scoped(Effect.gen(function*() {
        const { renewals } = yield* holdExecutorName(executor, settings.leaseTtl)
        yield* output.progress(`activating ${executor} with sitrep version ${held.version}...`)
        return yield* Effect.raceFirst(activateUninterruptibly(executor, held, settings, reconcile ? ActivationMode.Reconcile() : ActivationMode.Routine()), renewals)
      }))
      yield* output.emit(reportToJson(report), () => renderReport(kinds, report))
      const stale = staleKinds(report)
      if (stale.length > 0) {
        // SPEC 7.2: stale is a refusal (exit 1); the report above says what was still done.
        const words = stale.map((n) => Option.match(kinds.find(n), { onNone: () => n, onSome: (k) => k.plural }))
        return yield* new Refused({
          message: `Sitrep version ${held.version} is stale for ${words.join(" and ")}: creation of ${
            stale.length > 1 ? "those kinds" : "that kind"
          } was refused (the report says how many were created before, if a publish landed during the activation); activate with the current sitrep (version ${report.currentSitrep?.version ?? "none"}).`
        })
      }
    }))
).pipe(Command.withDescription("Run one activation: create what the held sitrep requests (guarded), then sweep markers."), databaseOnly())

const metricsListenFlag = Flag.String("metrics-listen").pipe(
  Flag.withDescription("Serve the Prometheus metrics at http://HOST:PORT/metrics (else FM_METRICS_LISTEN; off when unset)."),
  Flag.withFallbackConfig(Config.String("FM_METRICS_LISTEN")),
  Flag.optional
)

const runCommand = Command.make(
  "run",
  { executor: executorFlag, metricsListen: metricsListenFlag },
  ({ executor, metricsListen }) =>
    withStoresWhenReady(Effect.gen(function*() {
      const metricsAddress = Option.isNone(metricsListen)
        ? Option.none()
        : Option.some(yield* parseListenAddress(metricsListen.value, "--metrics-listen", "127.0.0.1:9464"))
      const output = yield* Output
      const settings = yield* ExecutorSettings
      const count = yield* Ref.make(0)
      const last = yield* Ref.make<Option.Option<number>>(Option.none())
      declareSignalStopIsNormal()
      // Loaded here, not at start-up: only this command runs the daemon loop and exports traces.
      const { runDaemon } = yield* Effect.promise(() => import("../../daemon/daemon.ts"))
      const { tracingLayer } = yield* Effect.promise(() => import("../../observability/tracing.ts"))
      const summary = Effect.gen(function*() {
        const activations = yield* Ref.get(count)
        const heldVersion = Option.getOrNull(yield* Ref.get(last))
        yield* output.emit({ executor, activations, heldVersion, stopped: true }, () =>
          `Executor ${executor} stopped after ${activations} activations (holding sitrep version ${heldVersion ?? "none"}).`)
      })
      yield* runDaemon(executor, settings, (report) =>
        Effect.andThen(Ref.update(count, (n) => n + 1), Ref.set(last, Option.some(report.sitrep.version))), metricsAddress).pipe(
          Effect.onInterrupt(() => summary),
          Effect.provide(tracingLayer("fm-executor"))
        )
    }))
).pipe(Command.withDescription("The executor daemon: activations periodically and whenever a new sitrep appears; stop with Ctrl-C or SIGTERM."), databaseOnly())

const forgetCommand = Command.make(
  "forget",
  { name: Argument.String("name").pipe(Argument.withDescription("The executor name whose report and ended lease go.")) },
  ({ name }) =>
    withOperations(Effect.gen(function*() {
      const output = yield* Output
      yield* (yield* Operations).forgetExecutor(name)
      yield* output.emit({ executor: name, forgotten: true }, () => `Executor ${name} forgotten: its last report and its ended lease are removed from fm status.`)
    }))
).pipe(Command.withDescription("Remove an old executor's last report and ended lease from fm status (admin; refused while it runs)."), hasApi)

const executorCommand = Command.make("executor").pipe(
  Command.withDescription("Executor names: forget one that no longer runs."),
  Command.withSubcommands([forgetCommand]),
  hasApi
)

export const executorCommands = [activateCommand, runCommand, executorCommand] as const
