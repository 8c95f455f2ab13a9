import { Config, Option } from "effect"
import { Command, Flag } from "effect/cli"
import type { Actor } from "@fm-rendezvous/domain"

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
  server: Flag.String("server").pipe(
    Flag.withDescription("Go through the API at this URL (else FM_SERVER) instead of the database."),
    Flag.withFallbackConfig(Config.String("FM_SERVER")),
    Flag.optional
  ),
  token: Flag.String("token").pipe(
    Flag.withDescription("The API token with --server (else FM_TOKEN, else --token-file)."),
    Flag.withFallbackConfig(Config.String("FM_TOKEN")),
    Flag.optional
  ),
  tokenFile: Flag.String("token-file").pipe(Flag.withDescription("A file holding the API token."), Flag.optional)
}

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

/** The actor of SPEC 7.2: a name and a role together, else anonymous (null). */
export const actorOf = (g: GlobalOptions): Actor | null =>
  Option.isSome(g.actor) && Option.isSome(g.role) ? { name: g.actor.value, role: g.role.value } : null
