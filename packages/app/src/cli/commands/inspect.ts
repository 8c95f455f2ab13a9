import { Kinds, type KindRegistry, NotFound } from "@fm-rendezvous/domain"
import { Duration, Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { declareSignalStopIsNormal } from "../../daemon/gracefulStop.ts"
import { renderProcess } from "../../render/process.ts"
import { parseDuration } from "../../shared/duration.ts"
import { EXIT_UNAVAILABLE, Usage, verdictOfFailure } from "../../shared/failure.ts"
import { compactJsonText } from "../../shared/jsonText.ts"
import { explanationToJson, renderExplanation } from "../../render/explanation.ts"
import { renderReconciled, renderReport, statusToJson } from "../../render/report.ts"
import { Output, writeStderr, writeStdout } from "../output.ts"
import { Operations } from "../operations.ts"
import type { StatusView } from "../../shared/executors.ts"
import { parseResourceId } from "../../shared/input.ts"
import { hasApi } from "../globalFlags.ts"
import { withOperations } from "../session.ts"

/** Only `executor`'s report and process; refused when the name has neither. */
const oneExecutor = (view: StatusView, executor: string): Effect.Effect<StatusView, NotFound> => {
  const reports = view.reports.filter((r) => r.executor === executor)
  const processes = view.processes.filter((p) => p.executor === executor)
  return reports.length + processes.length === 0
    ? Effect.fail(new NotFound({ message: `No executor named ${executor} has reported an activation or holds its name; fm status lists those that have.` }))
    : Effect.succeed({ ...view, reports, processes })
}

const processOf = (view: StatusView, executor: string) => view.processes.find((p) => p.executor === executor)

/** The --json document of `fm status` (one per line with --watch): GET /v1/status's. */
const statusDocument = (view: StatusView) => statusToJson(Option.getOrNull(view.current), view.reports, view.reconciled, view.processes)

const renderStatus = (kinds: KindRegistry, view: StatusView): string => {
  const head = Option.match(view.current, {
    onNone: () => "current sitrep: none published yet",
    onSome: (c) => `current sitrep: ${c.id}  (version ${c.version})`
  })
  const last = renderReconciled(kinds, view.reconciled)
  // Issue 25: a process that holds a name but has not stored a report yet (its first activation runs).
  const unreported = view.processes.filter((p) => !view.reports.some((r) => r.executor === p.executor))
    .map((p) => `executor: ${p.executor} (no activation reported yet)\n${renderProcess(p)}`)
  if (view.reports.length === 0 && unreported.length === 0) return `${head}\n${last}\nNo executor has reported an activation yet.`
  return [`${head}\n${last}`, ...view.reports.map((r) => `${renderReport(kinds, r)}\n${renderProcess(processOf(view, r.executor))}`), ...unreported].join("\n\n")
}

const parseInterval = (text: string): Effect.Effect<Duration.Duration, Usage> => {
  const d = parseDuration(text)
  return Option.isSome(d) && Duration.isGreaterThanOrEqualTo(d.value, Duration.seconds(1))
    ? Effect.succeed(d.value)
    : Effect.fail(new Usage({ message: `--interval takes a duration of at least 1s, such as 5s, 1m or "10 seconds", not ${JSON.stringify(text)}.` }))
}

const status = Command.make(
  "status",
  {
    executor: Flag.String("executor").pipe(Flag.withDescription("Only this executor's report and process."), Flag.optional),
    watch: Flag.Boolean("watch").pipe(
      Flag.withDescription("Show status again every --interval until interrupted (Ctrl-C); with --json, one compact document per line."),
      Flag.withDefault(false)
    ),
    interval: Flag.String("interval").pipe(Flag.withDescription("How often --watch refreshes: 5s by default (at least 1s)."), Flag.optional)
  },
  ({ executor, watch, interval }) =>
    withOperations(Effect.gen(function*() {
      const output = yield* Output
      const kinds = yield* Kinds
      const operations = yield* Operations
      if (!watch && Option.isSome(interval)) return yield* new Usage({ message: "--interval goes with --watch." })
      const period = Option.isSome(interval) ? yield* parseInterval(interval.value) : Duration.seconds(5)
      const read = Effect.flatMap(operations.status, (view) => Option.isSome(executor) ? oneExecutor(view, executor.value) : Effect.succeed(view))
      if (!watch) {
        const view = yield* read
        return yield* output.emit(statusDocument(view), () => renderStatus(kinds, view))
      }
      // Issue 25, item 11: until interrupted (exit 0). An outage is a line on stderr and the next
      // refresh tries again; any other failure ends the watch with its exit code.
      declareSignalStopIsNormal()
      const clear = !output.json && process.stdout.isTTY === true ? "\x1b[H\x1b[2J" : ""
      const every = Duration.format(period)
      yield* Effect.forever(Effect.gen(function*() {
        const shown = yield* read.pipe(
          Effect.map((view) =>
            output.json
              ? compactJsonText(statusDocument(view))
              : `${clear}fm status at ${new Date().toISOString()} (every ${every}; Ctrl-C stops)\n${renderStatus(kinds, view)}\n`),
          Effect.catchIf((e) => verdictOfFailure(e).exitCode === EXIT_UNAVAILABLE, (e) => Effect.as(writeStderr(verdictOfFailure(e).sentence), null))
        )
        if (shown !== null) yield* writeStdout(shown)
        yield* Effect.sleep(period)
      }))
    }))
).pipe(Command.withDescription("The last activation report of each executor and the process behind it; --watch refreshes until interrupted."), hasApi)

const explainCommand = Command.make(
  "explain",
  { id: Argument.String("id").pipe(Argument.withDescription("A resource id (alert, support bundle, ...).")) },
  ({ id }) =>
    withOperations(Effect.gen(function*() {
      const output = yield* Output
      const kinds = yield* Kinds
      const explanation = yield* (yield* Operations).explain(yield* parseResourceId(id))
      yield* output.emit(explanationToJson(explanation), () => renderExplanation(kinds, explanation))
    }))
).pipe(Command.withDescription("Why a resource exists or not, and whether its creation marker is collectible now."), hasApi)

export const inspectCommands = [status, explainCommand] as const
