import { PgTypes } from "@effect/sql-pg"
import { failStoreError, Generation, SitrepVersion, StoreError } from "@fm-rendezvous/domain"
import { Effect, Result, Schedule, Schema } from "effect"
import { SqlClient, SqlError } from "effect/sql"
import { decodeSentinel, type Sentinel } from "./sentinel.ts"

/** How many times a statement or transaction is re-run after a serialization failure or deadlock. */
export const RETRY_TIMES = 8

const retryable = (e: unknown, sentinels: ReadonlyArray<Sentinel>): boolean =>
  SqlError.isSqlError(e) &&
  (e.reason._tag === "SerializationError" || e.reason._tag === "DeadlockError" ||
    sentinels.some((s) => s === decodeSentinel(e)))

/** The attempts a step gets in all: the first run and RETRY_TIMES re-runs. */
export const RETRY_ATTEMPTS = RETRY_TIMES + 1

/** Errors that were still retryable when the bound was hit (so the report can say it gave up). */
const exhausted = new WeakSet<object>()

/** True when `e` is the last failure of a step that used up all its attempts. */
export const retriesExhausted = (e: unknown): boolean => typeof e === "object" && e !== null && exhausted.has(e)

/**
 * Re-runs an atomic step that failed with SQLSTATE 40001 (serialization failure, the normal way a
 * SERIALIZABLE transaction loses a race), 40P01 (deadlock victim) or one of the given sentinels,
 * with bounded exponential backoff (5 ms, doubling, RETRY_TIMES re-runs: about 1.3 s in all). Safe
 * because the step is one statement or one transaction: its failure wrote nothing. When the bound
 * is hit the step fails with its last error, marked so its message says it gave up, and a warning
 * is logged: an operator sees it in the daemon's log and in the activation report.
 */
export const withRetry = <A, E, R>(step: Effect.Effect<A, E, R>, sentinels: ReadonlyArray<Sentinel> = []) =>
  Effect.retry(step, {
    while: (e) => retryable(e, sentinels),
    schedule: Schedule.exponential("5 millis", 2),
    times: RETRY_TIMES
  }).pipe(
    Effect.tapError((e) =>
      retryable(e, sentinels)
        ? Effect.andThen(
          Effect.sync(() => exhausted.add(e as object)),
          Effect.logWarning(`database step gave up after ${RETRY_ATTEMPTS} attempts: ${describeSqlError(e as SqlError.SqlError)}`)
        )
        : Effect.void
    )
  )

/**
 * A transaction whose connection is lost fails its statement, then its ROLLBACK, and @effect/sql
 * turns a failed ROLLBACK into a defect, which would escape every `catch` up to the daemon and
 * stop it. Nothing was committed (the server rolls back a transaction whose session ends), so it
 * is an ordinary SQL failure: turned back into one here.
 */
const lostTransactionAsFailure = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | SqlError.SqlError, R> =>
  Effect.catchDefect(self, (defect) => (SqlError.isSqlError(defect) ? Effect.fail(defect) : Effect.die(defect)))

/**
 * A transaction at the server's default isolation (READ COMMITTED unless configured), retried on
 * serialization failure. Each statement inside states its own isolation argument in docs/SQL.md.
 */
export const transaction = <A, E, R>(sql: SqlClient.SqlClient, body: Effect.Effect<A, E, R>) =>
  withRetry(lostTransactionAsFailure(sql.withTransaction(body)))

/** A serializable transaction with retry (SQLSTATE 40001), for steps that need it. */
export const serializable = <A, E, R>(sql: SqlClient.SqlClient, body: Effect.Effect<A, E, R>) =>
  withRetry(lostTransactionAsFailure(
    sql.withTransaction(body).pipe(Effect.provideService(SqlClient.BeginTransaction, "BEGIN ISOLATION LEVEL SERIALIZABLE"))
  ))

/**
 * A read of several statements that must see one snapshot (a sitrep and its children). Sitreps
 * are immutable, so only a concurrent prune could tear such a read; REPEATABLE READ prevents it.
 */
export const snapshot = <A, E, R>(sql: SqlClient.SqlClient, body: Effect.Effect<A, E, R>) =>
  withRetry(lostTransactionAsFailure(
    sql.withTransaction(body).pipe(
      Effect.provideService(SqlClient.BeginTransaction, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    )
  ))

/**
 * What went wrong, in the server's words: the driver's own message ("PgConnection: Query failed")
 * says nothing an operator can act on, so the message and SQLSTATE the server sent (or the socket
 * error, for a lost connection) are used instead.
 */
export const describeSqlError = (e: SqlError.SqlError): string => {
  const cause: unknown = e.reason.cause
  const detail = cause instanceof Error && cause.message !== "" ? cause.message : undefined
  const code = sqlstateOf(e)
  const words = e.reason._tag === "ConnectionError"
    ? `the database connection failed${detail === undefined ? "" : ` (${detail})`}`
    : detail ?? e.message
  const said = code !== undefined ? `${words} (SQLSTATE ${code})` : words
  return exhausted.has(e) ? `${said}; gave up after ${RETRY_ATTEMPTS} attempts with backoff` : said
}

/** The SQLSTATE the server sent, if it sent one (a lost connection has none). */
export const sqlstateOf = (e: SqlError.SqlError): string | undefined => {
  const cause: unknown = e.reason.cause
  const code = typeof cause === "object" && cause !== null ? (cause as { code?: unknown }).code : undefined
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
}

/**
 * Every SQL failure leaves the adapter as the domain's StoreError, naming what was being done, and
 * is counted once, here, in `fm_store_errors_total` (SPEC 9) under the executor and kind at work.
 */
export const storeError = (what: string) => <A, R>(self: Effect.Effect<A, SqlError.SqlError | StoreError, R>) =>
  Effect.catch(self, (e) => {
    if (e instanceof StoreError) return Effect.fail(e)
    const sqlstate = sqlstateOf(e)
    return failStoreError(new StoreError({ message: `${what} failed: ${describeSqlError(e)}`, cause: e, ...(sqlstate === undefined ? {} : { sqlstate }) }))
  })

/** A typed array parameter: inference cannot type an array of only NULLs, so name the element type. */
const typedArray = (oid: number) => (values: ReadonlyArray<unknown>) =>
  Result.getOrThrow(PgTypes.array(values, oid))

export const textArray = typedArray(PgTypes.OID.text)
export const int8Array = typedArray(PgTypes.OID.int8)
export const int4Array = typedArray(PgTypes.OID.int4)
export const boolArray = typedArray(PgTypes.OID.bool)

const decodeGeneration = Schema.decodeUnknownSync(Generation)
const decodeVersion = Schema.decodeUnknownSync(SitrepVersion)

/** INT8 comes back as bigint; a generation goes through the domain's schema (SPEC 2 range). */
export const toGeneration = (value: unknown): Generation =>
  decodeGeneration(typeof value === "bigint" ? value : BigInt(value as string))

export const toVersion = (value: unknown): SitrepVersion => decodeVersion(Number(value))

export const toDate = (value: unknown): Date => (value instanceof Date ? value : new Date(value as string))
