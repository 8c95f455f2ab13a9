import type { InvalidInput, NotAuthorized, NotFound, ParentNotCurrent, StoreError } from "@fm-rendezvous/domain"
import { Cause, type Config, Schema } from "effect"
import { CliError } from "effect/cli"
import type { EmbeddedDatabaseError } from "../database/embedded.ts"

/**
 * The one place that turns a failure into an exit code, an HTTP status and one plain sentence
 * (SPEC 7.2, 8.4, 8.5): 0 done; 1 refused (not found, not authorized, stale, parent not current,
 * or the database could not do it); 2 bad usage or invalid input; 3 unavailable: the database
 * could not be reached or timed out, safe to retry. No stack traces, no Effect error dumps.
 */
export const EXIT_DONE = 0
export const EXIT_REFUSED = 1
export const EXIT_USAGE = 2
export const EXIT_UNAVAILABLE = 3

/** A refusal found by the app itself, e.g. an activation that found its sitrep stale. */
export class Refused extends Schema.TaggedError<Refused>()("Refused", { message: Schema.String }) {}

/** The API server could not be reached, timed out, or answered that it cannot serve now (SPEC 8.5). */
export class Unavailable extends Schema.TaggedError<Unavailable>()("Unavailable", { message: Schema.String }) {}

/** Bad usage the CLI module cannot see, e.g. a flag value that needs another flag. */
export class Usage extends Schema.TaggedError<Usage>()("Usage", { message: Schema.String }) {}

/** Everything a command (or an API request) can fail with, typed from the ports to the edge. */
export type Failure =
  | InvalidInput
  | NotAuthorized
  | NotFound
  | ParentNotCurrent
  | StoreError
  | EmbeddedDatabaseError
  | Config.ConfigError
  | Refused
  | Unavailable
  | Usage
  | CliError.CliError

export interface Verdict {
  readonly exitCode: number
  /** SPEC 8.4: the status `fm serve` answers with for the same failure. */
  readonly httpStatus: number
  /** One sentence, ending with a period. */
  readonly sentence: string
  /** The SPEC 8.4 `error` name (also the --json error document's `reason`). */
  readonly reason: string
}

const sentence = (text: string): string => {
  const flat = text.replace(/\s*\n+\s*/g, " ").trim()
  return /[.!?]$/.test(flat) ? flat : `${flat}.`
}

// SchemaError(<message>\n  at ["<KEY>"]) is how a Config value that fails its schema reads.
const configSentence = (message: string): string => {
  const m = /SchemaError\((.*?)\s*at \["([^"]+)"\]\)/s.exec(message)
  return m === null ? `Invalid configuration: ${message}` : `Configuration ${m[2]} ${m[1]!.replace(/^Expected /, "must be ")}`
}

const cliSentence = (e: CliError.NonShowHelpErrors): string => {
  switch (e._tag) {
    case "UnrecognizedOption":
      return `Unknown flag ${e.option}${e.command ? ` for ${e.command.join(" ")}` : ""}${
        e.suggestions.length > 0 ? ` (did you mean ${e.suggestions.join(" or ")}?)` : ""
      }; see --help`
    case "UnknownSubcommand":
      return `Unknown command "${e.subcommand}"${e.parent ? ` for ${e.parent.join(" ")}` : ""}${
        e.suggestions.length > 0 ? ` (did you mean ${e.suggestions.join(" or ")}?)` : ""
      }; see --help`
    default:
      // A flag that fell back to an environment variable reports the variable's schema error.
      return e.message.includes("SchemaError(") ? configSentence(e.message) : e.message
  }
}

const storeVerdict = (e: StoreError): Verdict => {
  if (e.unavailable === true) {
    return {
      exitCode: EXIT_UNAVAILABLE,
      httpStatus: 503,
      sentence: sentence(`The database is unavailable, try again later: ${e.message}`),
      reason: "Unavailable"
    }
  }
  const refused = (text: string): Verdict => ({ exitCode: EXIT_REFUSED, httpStatus: 500, sentence: sentence(text), reason: "StoreError" })
  switch (e.sqlstate) {
    case "42P01":
    case "3F000":
      return refused("The database schema is missing or out of date (a table is missing); run fm db migrate")
    case "3D000":
      return refused("The database named in the URL does not exist; create it, then run fm db migrate")
    case "28P01":
    case "28000":
      return refused("The database refused the credentials in the URL")
    default:
      return refused(`The database could not do it: ${e.message}`)
  }
}

const usage = (text: string): Verdict => ({ exitCode: EXIT_USAGE, httpStatus: 400, sentence: sentence(text), reason: "Usage" })

const cliVerdict = (e: CliError.CliError): Verdict => {
  if (e._tag !== "ShowHelp") return usage(cliSentence(e))
  const first = e.errors[0]
  return first === undefined ? usage("A command is needed; see the list above or run fm --help") : usage(cliSentence(first))
}

/** The verdict on one failure: total over `Failure`, so a new kind of failure must be given one. */
export const verdictOfFailure = (error: Failure): Verdict => {
  if (CliError.isCliError(error)) return cliVerdict(error)
  switch (error._tag) {
    case "InvalidInput":
    case "Usage":
      return { exitCode: EXIT_USAGE, httpStatus: 400, sentence: sentence(error.message), reason: "InvalidInput" }
    case "NotAuthorized":
      return { exitCode: EXIT_REFUSED, httpStatus: 403, sentence: sentence(error.message), reason: error._tag }
    case "NotFound":
      return { exitCode: EXIT_REFUSED, httpStatus: 404, sentence: sentence(error.message), reason: error._tag }
    case "ParentNotCurrent":
    case "Refused":
      return { exitCode: EXIT_REFUSED, httpStatus: 409, sentence: sentence(error.message), reason: error._tag }
    case "ConfigError":
      return { exitCode: EXIT_USAGE, httpStatus: 500, sentence: sentence(configSentence(error.message)), reason: "InvalidConfiguration" }
    case "StoreError":
      return storeVerdict(error)
    case "Unavailable":
      return { exitCode: EXIT_UNAVAILABLE, httpStatus: 503, sentence: sentence(error.message), reason: "Unavailable" }
    case "EmbeddedDatabaseError":
      return { exitCode: EXIT_REFUSED, httpStatus: 500, sentence: sentence(error.message), reason: error._tag }
  }
}

/** A defect is a bug: one sentence, never a stack trace. */
const unexpected = (defect: unknown): Verdict => ({
  exitCode: EXIT_REFUSED,
  httpStatus: 500,
  sentence: sentence(`Unexpected failure: ${defect instanceof Error ? defect.message : String(defect)}`),
  reason: "Unexpected"
})

/** The verdict for a failed run; defects (bugs) are reported the same way, in one sentence. */
export const verdictOf = (cause: Cause.Cause<Failure>): Verdict => {
  const failure = cause.reasons.find(Cause.isFailReason)
  if (failure !== undefined) return verdictOfFailure(failure.error)
  const defect = cause.reasons.find(Cause.isDieReason)
  if (defect !== undefined) return unexpected(defect.defect)
  return { exitCode: 130, httpStatus: 503, sentence: "Interrupted.", reason: "Interrupted" }
}
