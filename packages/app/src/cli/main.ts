import * as NodeServices from "@effect/platform-node/NodeServices"
import { defaultKinds } from "@fm-rendezvous/domain"
import { Cause, Context, Effect, Layer, Logger, Option } from "effect"
import { CliOutput, Command, type HelpDoc } from "effect/cli"
import { auditCommand } from "./commands/audit.ts"
import { dbCommand } from "./commands/db.ts"
import { executorCommands } from "./commands/executor.ts"
import { inspectCommands } from "./commands/inspect.ts"
import { resourceCommand } from "./commands/resources.ts"
import { simulateCommand } from "./commands/simulate.ts"
import { serveCommand } from "./commands/serve.ts"
import { sitrepCommand } from "./commands/sitrep.ts"
import { tokenCommand } from "./commands/token.ts"
import { EXIT_DONE, type Failure, verdictOf } from "../shared/failure.ts"
import { fm, TakesFlags } from "./globalFlags.ts"
import { toJsonText } from "../shared/jsonText.ts"
import { Output, outputLayer, writeStderr, writeStdout } from "./output.ts"

export const VERSION = "0.1.0"

/** The `fm` command tree of SPEC 7.2. */
export const fmCommand = fm.pipe(
  Command.withSubcommands([
    dbCommand,
    sitrepCommand,
    ...executorCommands,
    ...inspectCommands,
    auditCommand,
    ...defaultKinds.map((kind) => resourceCommand(kind)),
    simulateCommand,
    tokenCommand,
    serveCommand
  ])
)

/** A subcommand's help lists only the shared flags it takes (globalFlags.ts, TakesFlags). */
const withTakenFlags = (doc: HelpDoc.HelpDoc): HelpDoc.HelpDoc => {
  if (doc.inheritedFlags === undefined) return doc
  const taken = Context.get(doc.annotations, TakesFlags)
  return {
    ...doc,
    inheritedFlags: doc.inheritedFlags.flatMap((flag) => {
      const own = taken[flag.name]
      return own === undefined ? [] : [typeof own === "string" ? { ...flag, description: Option.some(own) } : flag]
    })
  }
}

/**
 * Help asked for goes to stdout; help shown because no command was given goes to stderr. Parse
 * errors are not rendered here: `reportFailure` prints them as one sentence like every failure.
 */
const presenter: CliOutput.Presenter = {
  present: (event) =>
    Effect.gen(function*() {
      const formatter = CliOutput.defaultFormatter({ colors: false })
      switch (event._tag) {
        case "Help":
          return yield* (event.reason === "Requested" ? writeStdout : writeStderr)(formatter.formatHelpDoc(withTakenFlags(event.helpDoc)))
        case "Version":
          return yield* writeStdout(formatter.formatVersion(event.name, event.version))
        case "InvalidInvocation":
          return
      }
    })
}

/**
 * SPEC 7.2: one sentence on stderr; with --json also one error document, if none was printed:
 * the API's refusal envelope of SPEC 8.4, `{ "error": "<Reason>", "message": "<sentence>" }`
 * (issue 25.8: one envelope; the exit code is the process's).
 */
const reportFailure = (cause: Cause.Cause<Failure>) =>
  Effect.gen(function*() {
    const output = yield* Output
    const verdict = verdictOf(cause)
    yield* writeStderr(verdict.sentence)
    if (output.json && !(yield* output.emitted)) {
      yield* writeStdout(toJsonText({ error: verdict.reason, message: verdict.sentence }))
    }
    return verdict.exitCode
  })

/** Logs go to stderr so stdout carries only the command's result: logfmt, or JSON lines with --json. */
const loggerLayer = (json: boolean) =>
  Logger.layer([Logger.withConsoleError(json ? Logger.formatJson : Logger.formatLogFmt)])

/** Runs `fm` with the given arguments; succeeds with the process exit code (interrupts propagate). */
export const runFm = (args: ReadonlyArray<string>): Effect.Effect<number> => {
  const json = args.includes("--json")
  return Command.runWith(fmCommand, { version: VERSION })(args).pipe(
    Effect.as(EXIT_DONE),
    Effect.catchCause((cause) => (Cause.hasInterruptsOnly(cause) ? Effect.interrupt : reportFailure(cause))),
    Effect.provide(Layer.mergeAll(outputLayer(json), CliOutput.layerPresenter(presenter), loggerLayer(json), NodeServices.layer))
  )
}
