import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Option, Redacted } from "effect"
import { checkProfile, type Dialect, detectServer, DialectSetting, profileOf, SqlProfile, StandInSetting } from "./profile.ts"

export interface PgOptions {
  readonly maxConnections?: number
  /**
   * Session default isolation on the PostgreSQL profile: the concurrency tests run the same
   * statements under both. The CockroachDB profile always sets SERIALIZABLE.
   */
  readonly isolation?: "read committed" | "serializable"
  /**
   * The adapter's profile; else `FM_DATABASE_DIALECT`; else the server's own, from `SELECT version()`.
   * One that is not the server's is refused (exit 2), but for the tests' stand-in (profile.ts).
   */
  readonly dialect?: Dialect
  /** Further session settings sent when connecting (e.g. a test schema's `search_path`). */
  readonly startupParameters?: Readonly<Record<string, string>>
}

/**
 * Session variables go in the startup `options` (`-c name=value`), the way both servers document
 * it (PostgreSQL: libpq's `options`; CockroachDB: connection-parameters, "Supported options
 * parameters"), after whatever `options` the URL already carries.
 */
const startupOptions = (url: string, settings: Readonly<Record<string, string>>): string | undefined => {
  const given = URL.canParse(url) ? new URL(url).searchParams.get("options") ?? undefined : undefined
  const own = Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`)
  return own.length === 0 ? given : [...(given === undefined ? [] : [given]), ...own].join(" ")
}

const client = (
  url: string,
  maxConnections: number,
  startupParameters: Readonly<Record<string, string>>,
  settings: Readonly<Record<string, string>> = {}
) => {
  const options = startupOptions(url, settings)
  return PgClient.layer({
    url: Redacted.make(url),
    maxConnections,
    ...(Object.keys(startupParameters).length === 0 ? {} : { startupParameters }),
    ...(options === undefined ? {} : { startupOptions: options })
  })
}

/**
 * A PostgreSQL (or CockroachDB) client pool for `url`, with the profile its statements run under.
 * The server is asked what it is once, on a connection of its own, before the pool opens: the
 * profile decides the session settings every pooled connection starts with.
 */
export const pgLayer = (url: string, options: PgOptions = {}) =>
  Layer.unwrap(Effect.gen(function*() {
    const configured = options.dialect === undefined ? yield* DialectSetting : Option.some(options.dialect)
    const server = yield* Effect.provide(detectServer, client(url, 1, {}))
    const dialect = Option.isSome(configured) ? yield* checkProfile(configured.value, server, yield* StandInSetting) : server
    const profile = profileOf(dialect, server)
    // The CockroachDB profile's own isolation wins over the option (it is SERIALIZABLE or nothing).
    const isolation: Record<string, string> = options.isolation === undefined || profile.dialect === "cockroachdb"
      ? {}
      : { default_transaction_isolation: options.isolation }
    const pool = client(url, options.maxConnections ?? 8, { ...isolation, ...options.startupParameters }, profile.sessionSettings)
    return Layer.merge(pool, Layer.succeed(SqlProfile, profile))
  }))
