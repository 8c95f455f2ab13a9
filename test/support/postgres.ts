import { PgClient } from "@effect/sql-pg"
import { migrate, pgLayer, type PgOptions, type SqlKind } from "@fm-rendezvous/adapters-sql"
import { Effect, Exit, Layer, Redacted, Scope } from "effect"
import { SqlClient } from "effect/sql"
import { inject } from "vitest"

/** The server URL from the global setup (DATABASE_URL, or the embedded PostgreSQL it started). */
export const serverUrl = (): string => {
  const fromEnv = process.env["FM_TEST_DATABASE_URL"]
  try {
    return inject("databaseUrl") ?? fromEnv ?? ""
  } catch {
    return fromEnv ?? ""
  }
}

const withDatabase = (url: string, database: string) => {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

const admin = <A, E>(url: string, f: (sql: SqlClient.SqlClient) => Effect.Effect<A, E>) =>
  Effect.flatMap(SqlClient.SqlClient, f).pipe(
    Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 }))
  )

/**
 * A database of its own for one test file (or one test): created with a random name on the shared
 * server, dropped (WITH (FORCE): pools may linger) when the scope closes.
 */
export const freshDatabase = Effect.acquireRelease(
  Effect.gen(function*() {
    const server = serverUrl()
    if (server === "") return yield* Effect.die(new Error("no test database: the vitest global setup did not run"))
    const name = `fm_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 10)}`
    yield* admin(server, (sql) => sql.unsafe(`CREATE DATABASE ${name}`))
    return { name, url: withDatabase(server, name), server }
  }),
  ({ name, server }) => admin(server, (sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).pipe(Effect.ignore)
)

/** A client pool on a fresh database, migrated for `kinds` unless `migrated` is false. */
export const testDatabaseLayer = (options?: PgOptions & { readonly kinds?: ReadonlyArray<SqlKind>; readonly migrated?: boolean }) =>
  Layer.unwrap(Effect.map(freshDatabase, ({ url }) => {
    const client = pgLayer(url, options)
    if (options?.migrated === false) return client
    return Layer.effectDiscard(migrate(options?.kinds)).pipe(Layer.provideMerge(client))
  }))

/** The URL of a fresh database that lives as long as the scope (for tests that open many pools). */
export const freshDatabaseUrl = Effect.map(freshDatabase, ({ url }) => url)

/** For `beforeAll`/`afterAll`: a database of the test file's own on the shared server. */
export const createTestDatabase = async (): Promise<{ readonly url: string; readonly drop: () => Promise<void> }> => {
  const scope = await Effect.runPromise(Scope.make())
  const { url } = await Effect.runPromise(Scope.provide(freshDatabase, scope))
  return { url, drop: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

/**
 * A fresh, migrated schema in `url`'s database, as the search path of its own pool; dropped when
 * the layer is released. Much cheaper than a database per store, for suites that build hundreds
 * (the model-based test builds one per generated history). Its sessions commit without waiting
 * for the WAL flush (`synchronous_commit=off`): what each sees is unchanged, only a server crash
 * could lose the last commits, and none of these suites crashes the server; on the machine's
 * fsync'd server it took a model history's two stores from about 1.3 s to 0.85 s.
 */
export const freshSchemaLayer = (url: string, options?: PgOptions & { readonly kinds?: ReadonlyArray<SqlKind> }) =>
  Layer.unwrap(Effect.gen(function*() {
    const name = `fm_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 10)}`
    yield* Effect.acquireRelease(
      admin(url, (sql) => sql.unsafe(`CREATE SCHEMA ${name}`)),
      () => admin(url, (sql) => sql.unsafe(`DROP SCHEMA IF EXISTS ${name} CASCADE`)).pipe(Effect.ignore)
    )
    const client = pgLayer(url, { maxConnections: 4, ...options, startupParameters: { search_path: name, synchronous_commit: "off" } })
    return Layer.effectDiscard(migrate(options?.kinds)).pipe(Layer.provideMerge(client))
  }))
