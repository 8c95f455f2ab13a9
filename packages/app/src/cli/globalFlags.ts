import { Config, Context, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import type { Actor } from "@fm-rendezvous/domain"
import { Usage } from "../shared/failure.ts"

/**
 * Flags every command accepts, before or after the command name (SPEC 7.2). Each falls back to
 * its environment variable through Config, so `--actor` beats FM_ACTOR beats nothing.
 */
export const globalFlags = {
  json: Flag.Boolean("json").pipe(Flag.withDescription("Print exactly one JSON document on stdout."), Flag.withDefault(false)),
  databaseUrl: Flag.String("database-url").pipe(
    Flag.withDescription("PostgreSQL or CockroachDB URL (else DATABASE_URL, else the embedded database under ./.fm-rendezvous/)."),
    Flag.withFallbackConfig(Config.String("DATABASE_URL")),
    Flag.optional
  ),
  actor: Flag.String("actor").pipe(
    Flag.withDescription("Who is acting (else FM_ACTOR); needed for any change."),
    Flag.withFallbackConfig(Config.String("FM_ACTOR")),
    Flag.optional
  ),
  role: Flag.Literals("role", ["admin", "viewer"]).pipe(
    Flag.withDescription("The actor's role on the fleet (else FM_ROLE): admin deletes, viewer reads."),
    Flag.withFallbackConfig(Config.Literals(["admin", "viewer"], "FM_ROLE")),
    Flag.optional
  ),
  // No fallback here: only the commands that have an API read FM_SERVER (serverOf), so an
  // exported FM_SERVER does not stop `fm activate` from reaching the database.
  server: Flag.String("server").pipe(
    Flag.withDescription("Go through the API at this URL (else FM_SERVER) instead of the database; only the commands that have an API take it."),
    Flag.optional
  ),
  token: Flag.String("token").pipe(
    Flag.withDescription("The API token with --server (else FM_TOKEN, else --token-file)."),
    Flag.withFallbackConfig(Config.String("FM_TOKEN")),
    Flag.optional
  ),
  tokenFile: Flag.String("token-file").pipe(Flag.withDescription("A file holding the API token."), Flag.optional)
}

/**
 * Which of the shared flags a command takes, by name, for its --help (issue 25.12): all are
 * parsed everywhere (so `fm activate --server URL` is refused in a sentence rather than as an
 * unknown flag), but a command's help lists only those it takes, with its own description where
 * a string replaces the shared one. By default a command takes them all (the commands that have
 * an API, `withOperations`, so a new one cannot hide --server by omission); the commands that
 * work on the database only (`refuseServerFlag`) are marked `databaseOnly`, and `fm token
 * create` takes its --role too.
 */
const apiFlags = { json: true, "database-url": true, actor: true, role: true, server: true, token: true, "token-file": true } as const

export const TakesFlags = Context.Reference<Readonly<Record<string, true | string>>>("fm/cli/TakesFlags", { defaultValue: () => apiFlags })

/** Marks a command (or a group of them) as one that runs through the API with --server (the default, said). */
export const hasApi = <C extends Command.Command<any, any, any, any, any>>(command: C): C => Command.annotate(command, TakesFlags, apiFlags) as C

/** Marks a command as working on the database only: --json and --database-url, and these. */
export const databaseOnly = (flags: Readonly<Record<string, true | string>> = {}) => <C extends Command.Command<any, any, any, any, any>>(command: C): C =>
  Command.annotate(command, TakesFlags, { json: true, "database-url": true, ...flags }) as C

/** The root command; subcommands read the global flags with `yield* fm`. */
export const fm = Command.make("fm").pipe(
  Command.withSharedFlags(globalFlags),
  Command.withDescription(
    "fm-rendezvous: executes fault-management sitreps without resurrecting what operators deleted."
  )
)

export interface GlobalOptions {
  readonly json: boolean
  readonly databaseUrl: Option.Option<string>
  readonly actor: Option.Option<string>
  readonly role: Option.Option<"admin" | "viewer">
  readonly server: Option.Option<string>
  readonly token: Option.Option<string>
  readonly tokenFile: Option.Option<string>
}

/** The API an operator command goes through (SPEC 8.5): --server, else FM_SERVER; blank is none. */
export const serverOf = (g: GlobalOptions): Effect.Effect<Option.Option<string>> =>
  (Option.isSome(g.server) ? Effect.succeed(g.server) : Config.option(Config.String("FM_SERVER"))).pipe(
    Effect.map(Option.map((url: string) => url.trim())),
    Effect.map(Option.filter((url: string) => url !== "")),
    Effect.orElseSucceed(() => Option.none<string>())
  )

/**
 * Commands with no API (activate, run, db, token, simulate, serve) refuse the --server flag, so
 * nobody believes a change went through the API when it went to the database. FM_SERVER in the
 * environment is ignored by them (docs/OPERATIONS.md).
 */
export const refuseServerFlag = (g: GlobalOptions): Effect.Effect<void, Usage> =>
  Option.isSome(g.server)
    ? Effect.fail(new Usage({ message: "This command has no API and works on the database only: drop --server (FM_SERVER is ignored here)." }))
    : Effect.void

/** The actor of SPEC 7.2: a name and a role together, else anonymous (null). */
export const actorOf = (g: GlobalOptions): Actor | null =>
  Option.isSome(g.actor) && Option.isSome(g.role) ? { name: g.actor.value, role: g.role.value } : null
