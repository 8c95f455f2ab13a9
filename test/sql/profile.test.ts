import { describe, expect, it } from "@effect/vitest"
import { dialectOfVersion, pgLayer, SqlProfile } from "@fm-rendezvous/adapters-sql"
import { ConfigProvider, Effect, Exit, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { freshDatabaseUrl } from "../support/postgres.ts"

/** What a pool's session runs under, and which profile it got. */
const session = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const profile = yield* SqlProfile
  const rows = yield* sql<{ iso: string; plans: string }>`
    SELECT current_setting('default_transaction_isolation') AS iso, current_setting('plan_cache_mode') AS plans`
  return { dialect: profile.dialect, server: profile.server, shareLock: profile.shareLock, ...rows[0]! }
})

const withEnv = (env: Record<string, string>) =>
  Layer.succeed(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))

describe("the adapter's profile, resolved once per pool (FM_DATABASE_DIALECT, else SELECT version())", () => {
  it("names CockroachDB from its version() text, anything else PostgreSQL", () => {
    // The form CockroachDB answers in (its version() names the product, edition and release).
    expect(dialectOfVersion("CockroachDB CCL v24.1.0 (x86_64-pc-linux-gnu, built 2024/05/15 21:28:29, go1.22.2 X:nocoverageredesign)")).toBe("cockroachdb")
    expect(dialectOfVersion("PostgreSQL 15.20 (Debian 15.20-0+deb12u1) on x86_64-pc-linux-gnu")).toBe("postgresql")
  })

  it.effect("unset: detected; on PostgreSQL the session default and the guard's FOR SHARE stay", () =>
    Effect.gen(function*() {
      const url = yield* freshDatabaseUrl
      const got = yield* Effect.provide(session, pgLayer(url).pipe(Layer.provide(withEnv({}))))
      expect(got).toMatchObject({ dialect: "postgresql", server: "postgresql", shareLock: true, iso: "read committed", plans: "auto" })
    }).pipe(Effect.scoped))

  it.effect("cockroachdb on PostgreSQL: SERIALIZABLE sessions, generic plans, no FOR SHARE", () =>
    Effect.gen(function*() {
      const url = yield* freshDatabaseUrl
      const got = yield* Effect.provide(session, pgLayer(url, { isolation: "read committed" }).pipe(Layer.provide(withEnv({ FM_DATABASE_DIALECT: "cockroachdb" }))))
      expect(got).toMatchObject({ dialect: "cockroachdb", server: "postgresql", shareLock: false, iso: "serializable", plans: "force_generic_plan" })
    }).pipe(Effect.scoped))

  it.effect("a value that is neither is refused, naming the variable", () =>
    Effect.gen(function*() {
      const url = yield* freshDatabaseUrl
      const exit = yield* Effect.exit(Effect.provide(session, pgLayer(url).pipe(Layer.provide(withEnv({ FM_DATABASE_DIALECT: "oracle" })))))
      expect(Exit.isFailure(exit) && String(exit.cause)).toMatch(/FM_DATABASE_DIALECT/)
    }).pipe(Effect.scoped))
})
