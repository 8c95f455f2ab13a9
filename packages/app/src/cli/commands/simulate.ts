import { Kinds, SitrepStore } from "@fm-rendezvous/domain"
import { Duration, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import * as path from "node:path"
import { ExecutorSettings } from "../../config.ts"
import type { EmbeddedDatabaseError } from "../../database/embedded.ts"
import { storesLayer } from "../../database/stores.ts"
import { type DatabaseTarget, resolveTarget } from "../../database/target.ts"
import { renderReportLine } from "../../render/report.ts"
import { renderSimulationSummary } from "../../render/simulation.ts"
import { Refused, Usage } from "../../shared/failure.ts"
import { databaseOnly, fm, refuseServerFlag } from "../globalFlags.ts"
import { Output, writeStdout } from "../output.ts"

/**
 * The simulation needs a database of its own: by default a fresh embedded cluster under
 * ./.fm-rendezvous/simulation (wiped at each run, so runs are repeatable and never touch the data
 * `fm` commands use); with a URL, that database must have no sitrep history yet.
 */
const simulationTarget = (databaseUrl: Option.Option<string>) => {
  return Effect.flatMap(resolveTarget(databaseUrl), (target): Effect.Effect<DatabaseTarget, EmbeddedDatabaseError> => {
    if (target._tag !== "Embedded") return Effect.succeed(target)
    const fresh: DatabaseTarget = { _tag: "Embedded", root: path.join(target.root, "simulation") }
    return Effect.flatMap(Effect.promise(() => import("../../database/embedded.ts")), (m) =>
      Effect.as(m.resetEmbedded(fresh.root), fresh))
  })
}

const requireEmptyHistory = Effect.gen(function*() {
  const current = yield* (yield* SitrepStore).currentHeader
  if (Option.isSome(current)) {
    return yield* new Refused({
      message: `The simulation needs an empty database, but this one already has sitrep history (version ${current.value.version}); give a fresh --database-url or none to use a fresh embedded one.`
    })
  }
})

const DEFAULT_STEPS = 60

export const simulateCommand = Command.make(
  "simulate",
  {
    steps: Flag.Int("steps").pipe(Flag.withDescription(`Planner steps (default ${DEFAULT_STEPS}).`), Flag.withDefault(DEFAULT_STEPS)),
    duration: Flag.String("duration").pipe(
      Flag.withDescription("Stop planning after this long, e.g. \"20 seconds\" (the final checks still run)."),
      Flag.optional
    ),
    seed: Flag.Int("seed").pipe(Flag.withDescription("Seed of the planner and operator (default 1)."), Flag.withDefault(1)),
    executors: Flag.Int("executors").pipe(Flag.withDescription("How many executors (default 3)."), Flag.withDefault(3))
  },
  ({ steps, duration, seed, executors }) =>
    Effect.gen(function*() {
      const output = yield* Output
      const global = yield* fm
      yield* refuseServerFlag(global)
      if (steps < 1 || executors < 1) return yield* new Usage({ message: "--steps and --executors must be at least 1." })
      const durationMs = Option.isSome(duration)
        ? yield* Effect.mapError(
          Effect.map(Effect.fromOption(Duration.fromInput(duration.value as Duration.Input)), Duration.toMillis),
          () => new Usage({ message: `--duration takes a duration such as "20 seconds", not ${JSON.stringify(duration.value)}.` })
        )
        : null
      const settings = { ...(yield* ExecutorSettings), historyToKeep: 5, reconcileEvery: 10 }
      const target = yield* simulationTarget(global.databaseUrl)
      const summary = yield* Effect.gen(function*() {
        const kinds = yield* Kinds
        yield* requireEmptyHistory
        // In human mode the running log is the output; with --json it is progress on stderr.
        const say = (text: string) => (output.json ? output.progress(text) : writeStdout(text))
        // Loaded here, not at start-up: only this command needs the simulation.
        const { runSimulation } = yield* Effect.promise(() => import("../../simulation/simulation.ts"))
        const result = yield* runSimulation({ steps, seed, executors, durationMs, settings }, {
          activation: (step, report) => say(`step ${String(step).padStart(3)}  ${renderReportLine(kinds, report)}`),
          note: (step, text) => say(`step ${String(step).padStart(3)}  ${text}`)
        })
        yield* output.emit(result, () => renderSimulationSummary(kinds, result))
        return result
      }).pipe(Effect.provide(storesLayer(target, { migrate: true })))
      // A violation fails the run; an invariant a short run never exercised is said, not failed.
      const broken = summary.invariants.filter((i) => i.violations.length > 0).map((i) => i.name)
      if (broken.length > 0) return yield* new Refused({ message: `The simulation broke invariants: ${broken.join(", ")}.` })
      const unexercised = summary.invariants.filter((i) => i.checks === 0).map((i) => i.name)
      if (unexercised.length > 0) {
        yield* output.progress(`No invariant was violated, but ${steps} steps never exercised ${unexercised.join(", ")}: run more steps (the default is ${DEFAULT_STEPS}) to check them.`)
      }
    })
).pipe(Command.withDescription("The demonstration run: planner, executors, operator, sweeps and pruning, with every safety invariant checked against the database."), databaseOnly())
