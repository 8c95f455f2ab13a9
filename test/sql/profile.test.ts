import { describe, expect, it } from "@effect/vitest"
import { checkProfile, dialectOfVersion, pgLayer, SqlProfile, STAND_IN_VARIABLE } from "@fm-rendezvous/adapters-sql"
import { ConfigProvider, Effect, Exit, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { runFm } from "../cli/harness.ts"
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

  it.effect("cockroachdb on PostgreSQL, with the tests' stand-in variable: SERIALIZABLE sessions, generic plans, no FOR SHARE", () =>
    Effect.gen(function*() {
      const url = yield* freshDatabaseUrl
      const got = yield* Effect.provide(session, pgLayer(url, { isolation: "read committed" }).pipe(Layer.provide(withEnv({ FM_DATABASE_DIALECT: "cockroachdb", [STAND_IN_VARIABLE]: "true" }))))
      expect(got).toMatchObject({ dialect: "cockroachdb", server: "postgresql", shareLock: false, iso: "serializable", plans: "force_generic_plan" })
    }).pipe(Effect.scoped))

  it.effect("a value that is neither is refused, naming the variable", () =>
    Effect.gen(function*() {
      const url = yield* freshDatabaseUrl
      const exit = yield* Effect.exit(Effect.provide(session, pgLayer(url).pipe(Layer.provide(withEnv({ FM_DATABASE_DIALECT: "oracle" })))))
      expect(Exit.isFailure(exit) && String(exit.cause)).toMatch(/FM_DATABASE_DIALECT/)
    }).pipe(Effect.scoped))

  // Issue 20, item 1: a profile that is not the server's is refused, in one sentence, exit 2.
  it.effect("a profile that does not match the server is refused; only the tests' stand-in is let through", () =>
    Effect.gen(function*() {
      const url = yield* freshDatabaseUrl
      const exit = yield* Effect.exit(Effect.provide(session, pgLayer(url).pipe(Layer.provide(withEnv({ FM_DATABASE_DIALECT: "cockroachdb" })))))
      expect(Exit.isFailure(exit) && String(exit.cause)).toMatch(/CockroachDB profile .* does not match the server, which is PostgreSQL/)
      const coded = yield* Effect.exit(Effect.provide(session, pgLayer(url, { dialect: "cockroachdb" }).pipe(Layer.provide(withEnv({})))))
      expect(Exit.isFailure(coded)).toBe(true)
      // The PostgreSQL profile on CockroachDB is refused even with the stand-in variable.
      expect(Exit.isFailure(yield* Effect.exit(checkProfile("postgresql", "cockroachdb", true)))).toBe(true)
      expect(Exit.isFailure(yield* Effect.exit(checkProfile("cockroachdb", "postgresql", false)))).toBe(true)
      expect(yield* checkProfile("cockroachdb", "cockroachdb", false)).toBe("cockroachdb")

      // fm itself: one sentence on stderr, exit 2, nothing written (the database stays unmigrated).
      const run = runFm(["db", "migrate", "--database-url", url], { env: { FM_DATABASE_DIALECT: "cockroachdb", [STAND_IN_VARIABLE]: "false" } })
      expect(run.code).toBe(2)
      expect(run.stderr.trim().split("\n")).toHaveLength(1)
      expect(run.stderr).toMatch(/does not match the server, which is PostgreSQL: set FM_DATABASE_DIALECT=postgresql or leave it unset\./)
      const tables = yield* Effect.provide(
        Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`),
        pgLayer(url).pipe(Layer.provide(withEnv({})))
      )
      expect(tables[0]?.n).toBe(0)
    }).pipe(Effect.scoped))
})
