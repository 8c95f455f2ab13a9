import { PgClient } from "@effect/sql-pg"
import { migrate, SqlProfile, sqlLayer } from "@fm-rendezvous/adapters-sql"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { countingStream } from "./wire.ts"
import { progress } from "./stats.ts"
import { startPrivateCluster } from "@fm-rendezvous/testkit/cluster"

/**
 * The PostgreSQL server the bench runs on: DATABASE_URL, else an embedded PostgreSQL 18 started
 * as the tests start theirs (the test kit's private cluster), in a temporary directory that
 * the postgres OS user can reach when running as root. Each scenario gets a database of its own.
 */
export interface Server {
  readonly url: string
  readonly embedded: boolean
  readonly stop: () => Promise<void>
}

export const startServer = async (): Promise<Server> => {
  const given = process.env["DATABASE_URL"]
  if (given !== undefined && given !== "") return { url: given, embedded: false, stop: async () => {} }
  progress("no DATABASE_URL: starting an embedded PostgreSQL")
  // Like the app's embedded server (fsync off); everything else is PostgreSQL's default.
  const server = await startPrivateCluster("bench", ["-c", "fsync=off"])
  return { url: server.url, embedded: true, stop: server.remove }
}

const withDatabase = (url: string, database: string) => {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

/** One statement on the server's maintenance database, on a short-lived connection. */
export const adminRun = <A>(serverUrl: string, f: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) =>
  Effect.runPromise(
    Effect.flatMap(SqlClient.SqlClient, f).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(serverUrl), maxConnections: 1 }))
    ) as Effect.Effect<A>
  )

/** The server's version and the settings that shape the figures. */
export const serverFacts = (serverUrl: string) =>
  adminRun(serverUrl, (sql) =>
    Effect.map(
      sql<{ name: string; setting: string }>`SELECT name, setting FROM pg_settings
        WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'shared_buffers', 'work_mem', 'autovacuum', 'max_wal_size')`,
      (rows) => Object.fromEntries(rows.map((r) => [r.name, r.setting]))
    ))

/** The layer the bench runs the project's code on: every port over a counted client pool. */
const benchLayer = (url: string, maxConnections = 4) => {
  const u = new URL(url)
  const client = PgClient.layer({
    url: Redacted.make(url),
    maxConnections,
    stream: countingStream(u.hostname, u.port === "" ? 5432 : Number(u.port))
  })
  return sqlLayer().pipe(Layer.provideMerge(Layer.merge(client, SqlProfile.layer("postgresql"))))
}

export type BenchServices = Layer.Success<ReturnType<typeof benchLayer>>

export interface BenchDatabase {
  readonly name: string
  readonly url: string
  readonly run: <A, E>(effect: Effect.Effect<A, E, BenchServices>) => Promise<A>
  readonly close: () => Promise<void>
}

/** The project's layers on an existing database (the memory child process uses this). */
export const openDatabase = (url: string, maxConnections?: number) => {
  const runtime = ManagedRuntime.make(benchLayer(url, maxConnections))
  return {
    run: <A, E>(effect: Effect.Effect<A, E, BenchServices>): Promise<A> => runtime.runPromise(effect),
    dispose: () => runtime.dispose()
  }
}

/** A fresh, migrated database with its own runtime; dropped by `close`. */
export const createDatabase = async (server: Server, label: string): Promise<BenchDatabase> => {
  const name = `fm_bench_${label}_${Date.now().toString(36)}`
  await adminRun(server.url, (sql) => sql.unsafe(`CREATE DATABASE ${name}`))
  const url = withDatabase(server.url, name)
  const { run, dispose } = openDatabase(url)
  await run(migrate())
  return {
    name,
    url,
    run,
    close: async () => {
      await dispose()
      await adminRun(server.url, (sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
    }
  }
}
