import { TokenStore } from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { renderColumns } from "../../render/table.ts"
import { DATABASE_OWNER, issueToken, parseExpiresIn, revokeToken } from "../../tokens.ts"
import { Usage } from "../../shared/failure.ts"
import { databaseOnly, fm } from "../globalFlags.ts"
import { Output, writeStderr } from "../output.ts"
import { withStores } from "../session.ts"

/**
 * `fm token create|list|revoke` (SPEC 8.2): direct-database commands, the bootstrap of the API.
 * Whoever holds the database's credentials is its owner, so they need no --actor; when one is
 * given (or FM_ACTOR), the audit record names it, else `database-owner`.
 */
const nameArgument = Argument.String("name").pipe(Argument.withDescription("The token's name: the actor of everything done with it."))

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString())

/** `--role` is the global flag: for create it is the role the new token carries. */
const create = Command.make(
  "create",
  {
    name: nameArgument,
    expiresIn: Flag.String("expires-in").pipe(Flag.withDescription("Lifetime, such as 90d or 12h (default: no expiry)."), Flag.optional)
  },
  ({ name, expiresIn }) =>
    withStores(Effect.gen(function*() {
      const output = yield* Output
      // --role is the global flag, which elsewhere falls back to FM_ROLE (the actor's role). A
      // token's role is a grant, so it comes from the command line only (issue 25.9): an exported
      // FM_ROLE=admin must not silently make an admin token.
      const typed = process.argv.slice(2).some((a) => a === "--role" || a.startsWith("--role="))
      const role = typed ? (yield* fm).role : Option.none()
      if (Option.isNone(role)) {
        return yield* new Usage({ message: "fm token create needs --role admin or --role viewer on its command line (FM_ROLE is not read here)." })
      }
      const lifetime = Option.isSome(expiresIn) ? Option.some(yield* parseExpiresIn(expiresIn.value)) : Option.none()
      const issued = yield* issueToken(name, role.value, lifetime, Option.getOrElse((yield* fm).actor, () => DATABASE_OWNER))
      // The token alone on stdout, so `export FM_TOKEN=$(fm token create ...)` captures it; the
      // sentence for the person on stderr.
      yield* output.emit({ name: issued.name, role: issued.role, expiresAt: iso(issued.expiresAt), token: issued.token }, () => issued.token)
      if (!output.json) {
        yield* writeStderr(`Token ${issued.name} (${issued.role}${
          issued.expiresAt === null ? ", no expiry" : `, expires ${issued.expiresAt.toISOString()}`
        }) created; it is shown only this once.`)
      }
    }))
).pipe(Command.withDescription("Issue an API token with --role admin|viewer (the role it grants); prints it once."), databaseOnly({ role: "The role the new token grants: admin or viewer (required; FM_ROLE is not read)." }))

const list = Command.make("list", {}, () =>
  withStores(Effect.gen(function*() {
    const output = yield* Output
    const tokens = yield* (yield* TokenStore).list
    const rows = tokens.map((t) => ({
      name: t.name,
      role: t.role,
      createdAt: t.createdAt.toISOString(),
      expiresAt: iso(t.expiresAt),
      lastUsedAt: iso(t.lastUsedAt),
      revokedAt: iso(t.revokedAt)
    }))
    yield* output.emit(rows, () =>
      rows.length === 0
        ? "No tokens."
        : renderColumns(
          ["name", "role", "created", "expires", "last used", "revoked"],
          rows.map((r) => [r.name, r.role, r.createdAt, r.expiresAt ?? "never", r.lastUsedAt ?? "never", r.revokedAt ?? "no"])
        ))
  }))).pipe(Command.withDescription("List API tokens (never their secrets)."), databaseOnly())

const revoke = Command.make("revoke", { name: nameArgument }, ({ name }) =>
  withStores(Effect.gen(function*() {
    const output = yield* Output
    yield* revokeToken(name, Option.getOrElse((yield* fm).actor, () => DATABASE_OWNER))
    yield* output.emit({ name, revoked: true }, () => `Token ${name} is revoked; requests with it are refused from now on.`)
  }))).pipe(Command.withDescription("Revoke an API token; the next request with it is refused."), databaseOnly())

export const tokenCommand = Command.make("token").pipe(
  Command.withDescription("Issue, list and revoke API tokens (direct-database mode)."),
  databaseOnly(),
  Command.withSubcommands([create, list, revoke])
)
