import { Cause, Schema } from "effect"
import { CliError } from "effect/cli"

/**
 * The one place that turns a failure into an exit code and one plain sentence (SPEC 7.2):
 * 0 done; 1 refused (not found, not authorized, stale, parent not current, or the database could
 * not do it); 2 bad usage or invalid input. No stack traces, no Effect error dumps.
 */
export const EXIT_DONE = 0
export const EXIT_REFUSED = 1
export const EXIT_USAGE = 2
/** SPEC 8.5: the database or the server could not be reached or timed out; safe to retry. */
export const EXIT_UNAVAILABLE = 3

/** A refusal found by the app itself, e.g. an activation that found its sitrep stale. */
export class Refused extends Schema.TaggedError<Refused>()("Refused", { message: Schema.String }) {}

/** The API server could not be reached, timed out, or answered that it cannot serve now (SPEC 8.5). */
export class Unavailable extends Schema.TaggedError<Unavailable>()("Unavailable", { message: Schema.String }) {}

/** Bad usage the CLI module cannot see, e.g. a flag value that needs another flag. */
export class Usage extends Schema.TaggedError<Usage>()("Usage", { message: Schema.String }) {}

export interface Verdict {
  readonly exitCode: number
  /** One sentence, ending with a period. */
  readonly sentence: string
  /** A short name for the kind of failure, for the --json error document. */
  readonly reason: string
  /** The status the API answers the same failure with (SPEC 8.4). */
  readonly httpStatus: number
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

/** Finds a SQLSTATE anywhere down a chain of causes (StoreError -> SqlError -> driver error). */
const sqlState = (error: unknown, depth = 0): string | undefined => {
  if (typeof error !== "object" || error === null || depth > 6) return undefined
  const code = (error as { code?: unknown }).code
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code
  return sqlState((error as { cause?: unknown }).cause, depth + 1) ?? sqlState((error as { reason?: unknown }).reason, depth + 1)
}

const storeSentence = (message: string, cause: unknown): string => {
  const state = sqlState(cause)
  if (state === "42P01" || state === "3F000") {
    return "The database schema is missing or out of date (a table is missing); run fm db migrate"
  }
  if (state === "3D000") return "The database named in the URL does not exist; create it, then run fm db migrate"
  if (state === "28P01" || state === "28000") return "The database refused the credentials in the URL"
  return `The database could not do it: ${message}`
}

const classify = (error: unknown): Omit<Verdict, "httpStatus"> => {
  const tag = typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : "Unknown"
  const message = error instanceof Error ? error.message : String(error)
  switch (tag) {
    case "InvalidInput":
    case "Usage":
      return { exitCode: EXIT_USAGE, sentence: sentence(message), reason: "InvalidInput" }
    case "NotAuthorized":
    case "NotFound":
    case "ParentNotCurrent":
    case "Refused":
      return { exitCode: EXIT_REFUSED, sentence: sentence(message), reason: tag }
    case "ConfigError":
      return { exitCode: EXIT_USAGE, sentence: sentence(configSentence(message)), reason: "InvalidConfiguration" }
    case "StoreError":
      return {
        exitCode: EXIT_REFUSED,
        sentence: sentence(storeSentence(message, (error as { cause?: unknown }).cause)),
        reason: "StoreError"
      }
    case "Unavailable":
      return { exitCode: EXIT_UNAVAILABLE, sentence: sentence(message), reason: "Unavailable" }
    case "EmbeddedDatabaseError":
      return { exitCode: EXIT_REFUSED, sentence: sentence(message), reason: tag }
    case "ShowHelp": {
      const first = (error as CliError.ShowHelp).errors[0]
      return first === undefined
        ? { exitCode: EXIT_USAGE, sentence: "A command is needed; see the list above or run fm --help.", reason: "Usage" }
        : { exitCode: EXIT_USAGE, sentence: sentence(cliSentence(first)), reason: "Usage" }
    }
    default:
      if (CliError.isCliError(error)) return { exitCode: EXIT_USAGE, sentence: sentence(error.message), reason: "Usage" }
      if (typeof error === "object" && error !== null && "reason" in error && tag === "SqlError") {
        return { exitCode: EXIT_REFUSED, sentence: sentence(storeSentence(message, error)), reason: "StoreError" }
      }
      return { exitCode: EXIT_REFUSED, sentence: sentence(`Unexpected failure: ${message}`), reason: "Unexpected" }
  }
}

/** A lost or refused connection to the database, anywhere down a chain of causes: retry later. */
const unreachable = (error: unknown, depth = 0): boolean => {
  if (typeof error !== "object" || error === null || depth > 6) return false
  const tag = (error as { _tag?: unknown })._tag
  if (tag === "ConnectionError" || tag === "StatementTimeoutError" || tag === "EmbeddedDatabaseError") return true
  return unreachable((error as { cause?: unknown }).cause, depth + 1) || unreachable((error as { reason?: unknown }).reason, depth + 1)
}

const HTTP_STATUS: Readonly<Record<string, number>> = {
  InvalidInput: 400,
  Usage: 400,
  InvalidConfiguration: 400,
  NotAuthorized: 403,
  NotFound: 404,
  ParentNotCurrent: 409,
  Refused: 409,
  Unavailable: 503
}

const withStatus = (error: unknown, verdict: Omit<Verdict, "httpStatus">): Verdict => ({
  ...verdict,
  httpStatus: HTTP_STATUS[verdict.reason] ?? (unreachable(error) ? 503 : 500)
})

/** The verdict for a failed run; defects (bugs) are reported the same way, in one sentence. */
export const verdictOf = (cause: Cause.Cause<unknown>): Verdict => {
  const failure = cause.reasons.find(Cause.isFailReason)
  if (failure !== undefined) return withStatus(failure.error, classify(failure.error))
  const defect = cause.reasons.find(Cause.isDieReason)
  if (defect !== undefined) return withStatus(defect.defect, classify(defect.defect))
  return { exitCode: 130, sentence: "Interrupted.", reason: "Interrupted", httpStatus: 503 }
}
