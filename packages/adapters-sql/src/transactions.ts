import { Effect } from "effect"
import { SqlClient, SqlError } from "effect/sql"
import type { Profile } from "./profile.ts"
import { SERIALIZABLE } from "./profile.ts"
import { withRetry } from "./retry.ts"

/**
 * A transaction whose connection is lost fails its statement, then its ROLLBACK, and @effect/sql
 * turns a failed ROLLBACK into a defect, which would escape every `catch` up to the daemon and
 * stop it. It is an ordinary SQL failure, turned back into one here, but not one that says
 * nothing was committed: a connection lost before COMMIT reached the server left nothing (the
 * server rolls back a transaction whose session ends), one lost at or after COMMIT may have
 * committed everything. Callers whose outcome matters resolve it (`ambiguous` in sqlstate.ts:
 * the publish reads history, token creation its stored digest).
 */
const lostTransactionAsFailure = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | SqlError.SqlError, R> =>
  Effect.catchDefect(self, (defect) => (SqlError.isSqlError(defect) ? Effect.fail(defect) : Effect.die(defect)))

const inTransaction = (sql: SqlClient.SqlClient, begin: string | undefined) =>
<A, E, R>(body: Effect.Effect<A, E, R>) => {
  const tx = sql.withTransaction(body)
  return withRetry(lostTransactionAsFailure(
    begin === undefined ? tx : tx.pipe(Effect.provideService(SqlClient.BeginTransaction, begin))
  ))
}

/**
 * The three kinds of transaction the stores use, each retried on serialization failure (SQLSTATE
 * 40001) and deadlock (40P01). Their isolation is the profile's: docs/SQL.md argues each one.
 */
export const transactions = (sql: SqlClient.SqlClient, profile: Profile) => ({
  /** A read-write transaction: the session default (READ COMMITTED) on the PostgreSQL profile, SERIALIZABLE on CockroachDB's. */
  readWrite: inTransaction(sql, profile.beginReadWrite),
  /** A SERIALIZABLE transaction on both profiles, for steps whose reads must come from one snapshot. */
  serializable: inTransaction(sql, SERIALIZABLE),
  /**
   * A read of several statements that must see one snapshot (a sitrep and its children). Sitreps
   * are immutable, so only a concurrent prune could tear such a read.
   */
  snapshot: inTransaction(sql, profile.beginSnapshot)
})
export type Transactions = ReturnType<typeof transactions>
