import type { SqlClient } from "effect/sql"
import { SqlError } from "effect/sql"
import type { Fragment } from "effect/sql/Statement"
import { sqlStateOf } from "./sqlstate.ts"

/**
 * Statement sentinels (SPEC 5): a statement that must abort for a reason says so with
 * `CAST(CASE WHEN <cond> THEN 'TRUE' ELSE '<sentinel>' END AS BOOL)`. The cast of the sentinel
 * text fails, the whole statement rolls back, and the error carries the sentinel's name. Never a
 * division by zero: its error cannot say which reason fired.
 */
export const SENTINELS = {
  /** The history compare-and-swap lost: the parent is not the current sitrep (SPEC 2). */
  parentNotCurrent: "parent-not-current",
  /**
   * A guarded creation found, at insert time, a marker or row its snapshot did not show (a
   * concurrent creation, perhaps already deleted by an operator): the statement is retried so
   * the outcome is decided from what is committed (SPEC 3.1).
   */
  creationRaced: "creation-raced"
} as const
export type Sentinel = typeof SENTINELS[keyof typeof SENTINELS]

const known: ReadonlyArray<Sentinel> = Object.values(SENTINELS)

/** A sentinel check; `condition` is SQL that is true when the statement may go on. */
export const sentinel = (sql: SqlClient.SqlClient, condition: Fragment, name: Sentinel): Fragment =>
  sql`CAST(CASE WHEN ${condition} THEN 'TRUE' ELSE ${sql.literal(`'${name}'`)} END AS BOOL)`

const causeMessage = (cause: unknown): string | undefined => {
  if (typeof cause !== "object" || cause === null) return undefined
  const value = (cause as { message?: unknown }).message
  return typeof value === "string" ? value : undefined
}

/**
 * The ONE decoder of sentinels (SPEC 5). PostgreSQL reports the failed cast as SQLSTATE 22P02
 * `invalid input syntax for type boolean: "<sentinel>"`; CockroachDB as
 * `could not parse "<sentinel>" as type bool` (also 22P02). Anything else is not a sentinel.
 */
export const decodeSentinel = (error: unknown): Sentinel | undefined => {
  if (!SqlError.isSqlError(error)) return undefined
  const code = sqlStateOf(error)
  const message = causeMessage(error.reason.cause) ?? error.reason.message ?? ""
  if (code !== undefined && code !== "22P02") return undefined
  for (const name of known) {
    const quoted = `"${name}"`
    const postgres = message.includes("type boolean") && message.includes(quoted)
    const cockroach = message.includes(`could not parse ${quoted} as type bool`)
    if (postgres || cockroach) return name
  }
  return undefined
}
