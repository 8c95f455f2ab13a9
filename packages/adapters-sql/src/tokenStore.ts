import { type Role, tokenCreateAudit, type TokenRecord, tokenRevokeAudit, TokenStore } from "@fm-rendezvous/domain"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { insertAudit } from "./audit.ts"
import { SqlProfile } from "./profile.ts"
import { withRetry } from "./retry.ts"
import { transactions } from "./transactions.ts"
import { ambiguous } from "./sqlstate.ts"
import { storeError } from "./wording.ts"

interface TokenRow {
  readonly name: string
  readonly role: string
  readonly lookup: string
  readonly digest: string
  readonly created_at: Date
  readonly expires_at: Date | null
  readonly last_used_at: Date | null
  readonly revoked_at: Date | null
}

const toRecord = (r: TokenRow): TokenRecord => ({
  name: r.name,
  role: r.role as Role,
  lookup: r.lookup,
  digest: r.digest,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at
})

const columns = "name, role, lookup, digest, created_at, expires_at, last_used_at, revoked_at"

export const selectTokenByLookup = (sql: SqlClient.SqlClient, lookup: string) =>
  sql<TokenRow>`SELECT ${sql.literal(columns)} FROM fm_api_token WHERE lookup = ${lookup}`

export const SqlTokenStore = Layer.effect(
  TokenStore,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const tx = transactions(sql, yield* SqlProfile)
    const fail = (what: string) => storeError(what)
    return TokenStore.of({
      // Issue 20, item 5: a creation whose outcome was lost (40003, or the connection lost at
      // COMMIT) is run again; a name that exists is this creation's own when the stored digest is
      // this token's (256 bits of secret: no other token has it), so the secret is still shown.
      // The row and its audit entry in one transaction (issue 25.5): a name taken writes neither.
      create: (t, actor) => {
        const insert = tx.readWrite(Effect.gen(function*() {
          const rows = yield* sql<{ name: string }>`INSERT INTO fm_api_token (name, role, lookup, digest, created_at, expires_at)
            VALUES (${t.name}, ${t.role}, ${t.lookup}, ${t.digest}, ${t.createdAt}, ${t.expiresAt})
            ON CONFLICT (name) DO NOTHING RETURNING name`
          if (rows.length === 1) yield* insertAudit(sql, tokenCreateAudit(actor, t))
          return rows
        }))
        const ours = Effect.map(
          withRetry(sql<{ digest: string }>`SELECT digest FROM fm_api_token WHERE name = ${t.name}`),
          (rows) => rows[0]?.digest === t.digest
        )
        return Effect.catchIf(insert, ambiguous, () => insert).pipe(
          Effect.flatMap((rows) => (rows.length === 1 ? Effect.succeed(true) : ours)),
          fail("creating a token")
        )
      },
      list: sql<TokenRow>`SELECT ${sql.literal(columns)} FROM fm_api_token ORDER BY name`.pipe(
        Effect.map((rows) => rows.map(toRecord)),
        fail("listing tokens")
      ),
      // One transaction: the row read locked (was it revoked already?), the revoke, its audit entry.
      revoke: (name, at, actor) =>
        tx.readWrite(Effect.gen(function*() {
          const before = yield* sql<{ revoked_at: Date | null }>`SELECT revoked_at FROM fm_api_token WHERE name = ${name} FOR UPDATE`
          if (before[0] === undefined) return false
          yield* sql`UPDATE fm_api_token SET revoked_at = COALESCE(revoked_at, ${at}) WHERE name = ${name}`
          yield* insertAudit(sql, tokenRevokeAudit(actor, name, before[0].revoked_at !== null, at))
          return true
        })).pipe(fail("revoking a token")),
      byLookup: (lookup) =>
        selectTokenByLookup(sql, lookup).pipe(
          Effect.map((rows) => Option.map(Option.fromNullishOr(rows[0]), toRecord)),
          fail("reading a token")
        ),
      // The condition is in the statement: concurrent requests of one token write once a minute.
      touch: (name, at, olderThan) =>
        sql`UPDATE fm_api_token SET last_used_at = ${at}
          WHERE name = ${name} AND (last_used_at IS NULL OR last_used_at < ${olderThan})`.pipe(
          Effect.asVoid,
          fail("recording a token's use")
        )
    })
  })
)
