import { SqlError } from "effect/sql"

/**
 * The ONE reader of SQLSTATEs in the project: the five-character code the server sent with a
 * failure, on the driver's error that a SqlError carries (or on a driver error given directly).
 * Undefined when the server sent none (a refused or lost connection, a client-side failure).
 */
export const sqlStateOf = (error: unknown): string | undefined => {
  const cause: unknown = SqlError.isSqlError(error) ? error.reason.cause : error
  if (typeof cause !== "object" || cause === null) return undefined
  const code = (cause as { code?: unknown }).code
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
}

/**
 * SQLSTATEs that mean "the server cannot take this now", on both servers: class 08 (connection
 * exception), 53300 (too many connections), 57P01-57P03 (shutting down, cannot connect now).
 */
const unavailableStates = /^(08...|53300|57P0[1-3])$/

/**
 * True when the database could not be reached, the connection was lost, or a statement or lock
 * wait timed out: nothing was decided, and the same step may succeed later (exit code 3, HTTP 503).
 */
export const isUnavailable = (e: SqlError.SqlError): boolean => {
  switch (e.reason._tag) {
    case "ConnectionError":
    case "StatementTimeoutError":
    case "LockTimeoutError":
      return true
    default:
      return unavailableStates.test(sqlStateOf(e) ?? "")
  }
}

/**
 * A failure whose outcome the client could not learn: CockroachDB's 40003 ("statement completion
 * unknown", an ambiguous commit), or a connection lost while the statement or transaction ran or
 * committed (the COMMIT may have reached the server and been applied before the connection went).
 */
export const ambiguous = (e: unknown): e is SqlError.SqlError =>
  SqlError.isSqlError(e) && (sqlStateOf(e) === "40003" || e.reason._tag === "ConnectionError")
