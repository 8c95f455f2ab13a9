import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Option, Redacted } from "effect"
import { type Dialect, detectServer, DialectSetting, profileOf, SqlProfile } from "./profile.ts"

export interface PgOptions {
  readonly maxConnections?: number
  /**
   * Session default isolation on the PostgreSQL profile: the concurrency tests run the same
   * statements under both. The CockroachDB profile always sets SERIALIZABLE.
   */
  readonly isolation?: "read committed" | "serializable"
  /** The adapter's profile; else `FM_DATABASE_DIALECT`; else the server's own, from `SELECT version()`. */
  readonly dialect?: Dialect
  /** Further session settings sent when connecting (e.g. a test schema's `search_path`). */
  readonly startupParameters?: Readonly<Record<string, string>>
}

const client = (url: string, maxConnections: number, startupParameters: Readonly<Record<string, string>>) =>
  PgClient.layer({
    url: Redacted.make(url),
    maxConnections,
    ...(Object.keys(startupParameters).length === 0 ? {} : { startupParameters })
  })

/**
 * A PostgreSQL (or CockroachDB) client pool for `url`, with the profile its statements run under.
 * The server is asked what it is once, on a connection of its own, before the pool opens: the
 * profile decides the session settings every pooled connection starts with.
 */
export const pgLayer = (url: string, options: PgOptions = {}) =>
  Layer.unwrap(Effect.gen(function*() {
    const configured = options.dialect === undefined ? yield* DialectSetting : Option.some(options.dialect)
    const server = yield* Effect.provide(detectServer, client(url, 1, {}))
    const profile = profileOf(Option.getOrElse(configured, () => server), server)
    const parameters = {
      ...(options.isolation === undefined ? {} : { default_transaction_isolation: options.isolation }),
      ...profile.startupParameters,
      ...options.startupParameters
    }
    return Layer.merge(client(url, options.maxConnections ?? 8, parameters), Layer.succeed(SqlProfile, profile))
  }))
