import { failStoreError, StoreError } from "@fm-rendezvous/domain"
import { Data, Effect } from "effect"
import type { SqlError } from "effect/sql"
import { isUnavailable, sqlStateOf } from "./sqlstate.ts"

/** A step that was still failing retryably when its attempts ran out: its last error, and how many it had. */
export class RetriesExhausted extends Data.TaggedError("RetriesExhausted")<{
  readonly attempts: number
  readonly last: SqlError.SqlError
}> {}

/**
 * What went wrong, in the server's words: the driver's own message ("PgConnection: Query failed")
 * says nothing an operator can act on, so the message and SQLSTATE the server sent (or the socket
 * error, for a lost connection) are used instead.
 */
export const describeSqlError = (e: SqlError.SqlError): string => {
  const cause: unknown = e.reason.cause
  const detail = cause instanceof Error && cause.message !== "" ? cause.message : undefined
  const code = sqlStateOf(e)
  const words = e.reason._tag === "ConnectionError"
    ? `the database connection failed${detail === undefined ? "" : ` (${detail})`}`
    : detail ?? e.message
  return code !== undefined ? `${words} (SQLSTATE ${code})` : words
}

/** A SQL failure (or a step that gave up retrying one) as the domain's StoreError, naming what was being done. */
export const toStoreError = (what: string, e: SqlError.SqlError | RetriesExhausted): StoreError => {
  const last = e._tag === "RetriesExhausted" ? e.last : e
  const sqlstate = sqlStateOf(last)
  const gaveUp = e._tag === "RetriesExhausted" ? `; gave up after ${e.attempts} attempts with backoff` : ""
  return new StoreError({
    message: `${what} failed: ${describeSqlError(last)}${gaveUp}`,
    unavailable: isUnavailable(last),
    ...(sqlstate === undefined ? {} : { sqlstate }),
    ...(e._tag === "RetriesExhausted" ? { attempts: e.attempts } : {}),
    cause: last
  })
}

/**
 * Every SQL failure leaves the adapter as the domain's StoreError, naming what was being done, and
 * is counted once, here, in `fm_store_errors_total` (SPEC 9) under the executor and kind at work.
 */
export const storeError = (what: string) =>
<A, R>(self: Effect.Effect<A, SqlError.SqlError | RetriesExhausted | StoreError, R>): Effect.Effect<A, StoreError, R> =>
  Effect.catch(self, (e) => (e._tag === "StoreError" ? Effect.fail(e) : failStoreError(toStoreError(what, e))))
