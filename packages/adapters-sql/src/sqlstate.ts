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
