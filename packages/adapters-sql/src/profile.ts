import { Config, ConfigProvider, Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"

/** The two servers the adapter runs on (SPEC 5). */
export const DIALECTS = ["postgresql", "cockroachdb"] as const
export type Dialect = typeof DIALECTS[number]

/** `FM_DATABASE_DIALECT`: which profile of the adapter to use; unset, it is detected from the server. */
export const DialectSetting: Config.Config<Option.Option<Dialect>> = Config.option(
  Config.schema(Schema.Literals(DIALECTS), "FM_DATABASE_DIALECT")
)

/**
 * Test machinery, not an operator setting (docs/SQL.md, "Two profiles"): lets the CockroachDB
 * profile run on a PostgreSQL server, which the test suites' second run (vitest project
 * `cockroachdb-profile`) does. Only that one mismatch, never the PostgreSQL profile on CockroachDB.
 */
export const STAND_IN_VARIABLE = "FM_TEST_COCKROACHDB_PROFILE_ON_POSTGRESQL"
export const StandInSetting: Config.Config<boolean> = Config.Boolean(STAND_IN_VARIABLE).pipe(Config.withDefault(false))

const product = (d: Dialect) => (d === "cockroachdb" ? "CockroachDB" : "PostgreSQL")

/**
 * Issue 20, item 1: a profile chosen by the caller must be the server's own. The PostgreSQL profile
 * on CockroachDB would lock nothing with FOR SHARE and rely on PostgreSQL's READ COMMITTED row
 * re-reading; the CockroachDB profile on PostgreSQL is the tests' stand-in, allowed only with the
 * test variable. Refused as configuration (exit 2), in one sentence.
 */
export const checkProfile = (configured: Dialect, server: Dialect, standIn: boolean): Effect.Effect<Dialect, Config.ConfigError> =>
  configured === server || (standIn && configured === "cockroachdb" && server === "postgresql")
    ? Effect.succeed(configured)
    : Effect.fail(
      new Config.ConfigError(
        new ConfigProvider.SourceError({
          message: `the ${product(configured)} profile (FM_DATABASE_DIALECT=${configured}) does not match the server, ` +
            `which is ${product(server)}: set FM_DATABASE_DIALECT=${server} or leave it unset`
        })
      )
    )

/**
 * How the adapter runs its statements on one server (docs/SQL.md, "Two profiles").
 *
 * - `postgresql`: statements and transactions at the session default (READ COMMITTED on
 *   PostgreSQL), the guarded creation holding the current-sitrep pointer FOR SHARE; operator
 *   deletes SERIALIZABLE, multi-statement reads REPEATABLE READ.
 * - `cockroachdb`: SERIALIZABLE everywhere (the session default is set to it too), and no
 *   reliance on FOR SHARE, which CockroachDB's SERIALIZABLE does not lock by default: safety
 *   comes from serializable isolation and retries alone. Usable on PostgreSQL, whose serializable
 *   snapshot isolation then stands in for CockroachDB's (the test suites' second run).
 */
export interface Profile {
  readonly dialect: Dialect
  /** The server actually connected to (the probe's answer), which may differ from the profile. */
  readonly server: Dialect
  /** Whether the guarded creation locks the current-sitrep pointer `FOR SHARE`. */
  readonly shareLock: boolean
  /** How a read-write transaction begins (undefined: plain BEGIN, the session's default isolation). */
  readonly beginReadWrite: string | undefined
  /** How a multi-statement read that must see one snapshot begins. */
  readonly beginSnapshot: string
  /** Session variables every connection starts with (sent as `options=-c name=value`). */
  readonly sessionSettings: Readonly<Record<string, string>>
  /**
   * Whether advisory writes (execution progress) commit without waiting for the WAL flush
   * (`synchronous_commit` off for their own transaction; PostgreSQL only): SPEC 2 makes progress
   * advisory, and a mark lost in a crash is one set behind, which only makes activations do more
   * (docs/SQL.md, "Advisory writes"; issue 19).
   */
  readonly asyncAdvisoryCommit: boolean
}

export const SERIALIZABLE = "BEGIN ISOLATION LEVEL SERIALIZABLE"

export const profileOf = (dialect: Dialect, server: Dialect = dialect): Profile =>
  dialect === "postgresql"
    ? {
      dialect,
      server,
      shareLock: true,
      beginReadWrite: undefined,
      beginSnapshot: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
      sessionSettings: {},
      asyncAdvisoryCommit: true
    }
    : {
      dialect,
      server,
      shareLock: false,
      beginReadWrite: SERIALIZABLE,
      beginSnapshot: `${SERIALIZABLE} READ ONLY`,
      // On PostgreSQL standing in for CockroachDB, plans are also made once for all parameter
      // values (generic plans), as a plan cache would reuse them (docs/SQL.md).
      sessionSettings: {
        default_transaction_isolation: "serializable",
        ...(server === "postgresql" ? { plan_cache_mode: "force_generic_plan" } : {})
      },
      asyncAdvisoryCommit: false
    }

/** Which server `SELECT version()` names: CockroachDB says so ("CockroachDB CCL v24.3.1 ..."). */
export const dialectOfVersion = (version: string): Dialect => (/cockroachdb/i.test(version) ? "cockroachdb" : "postgresql")

/** Asks the server what it is: one statement. */
export const detectServer = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ version: string }>`SELECT version() AS version`
  return dialectOfVersion(rows[0]?.version ?? "")
})

/** The profile the adapter's statements run under, resolved once per connection pool. */
export class SqlProfile extends Context.Service<SqlProfile, Profile>()("fm/sql/SqlProfile") {
  static readonly layer = (dialect: Dialect, server: Dialect = dialect) => Layer.succeed(SqlProfile, profileOf(dialect, server))
}
