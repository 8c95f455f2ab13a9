import type { Dialect } from "@fm-rendezvous/adapters-sql"
import { Effect } from "effect"
import type { SqlClient } from "effect/sql"
import type { Statement } from "effect/sql/Statement"

/**
 * The ONE reader of query plans, for both servers' EXPLAIN formats (docs/SQL.md, "EXPLAIN on
 * both"): the tests that prove every periodic query bounded ask it, and only it, which tables a
 * plan reads without a condition on the index it reads through. Fail closed: a table read that
 * does not show its condition counts as unbounded.
 *
 * - PostgreSQL: one text row per plan line in the `QUERY PLAN` column. A `Seq Scan on <table>`
 *   (or `Parallel Seq Scan`) is unbounded; so is an `Index Scan`, `Index Only Scan` or `Bitmap
 *   Index Scan` without an `Index Cond:` that compares a column (a condition that only says
 *   `IS NOT NULL` restates a partial index's predicate: the whole index), and a `Bitmap Heap
 *   Scan` without a `Recheck Cond:`. A scan of a partial index, an enclosing `Limit`, and
 *   `enable_seqscan = off` (which turns a Seq Scan into a full index scan) exempt nothing.
 * - CockroachDB: one row per line in the `info` column; each `• scan` node of a table lists
 *   `table: <table>@<index>` and `spans:`. It is unbounded when its spans are `FULL SCAN` (also
 *   `FULL SCAN (SOFT LIMIT)`), on a partial index too and under a hard `limit:`, or when it shows
 *   no spans. A `• lookup join` or `• index join` reads by the rows of its input, which is itself
 *   a node of the plan; `• scan buffer` reads a CTE's buffer, not a table.
 */
export interface Plan {
  readonly dialect: Dialect
  readonly lines: ReadonlyArray<string>
}

export const planText = (plan: Plan): string => plan.lines.join("\n")

export interface ScanNode {
  readonly table: string
  readonly index: string
  /** Bounded by an index condition (PostgreSQL) or constrained spans (CockroachDB). */
  readonly constrained: boolean
  /** The rows read are filtered (PostgreSQL: `Filter:`; CockroachDB: a `• filter` parent), so a LIMIT above does not bound the read. */
  readonly filtered: boolean
  /** What bounds it: PostgreSQL's `Index Cond:` or `Recheck Cond:` text, CockroachDB's `spans:` ("" when none). */
  readonly condition: string
}

/** The lines of the node at `i` (CockroachDB: until the next `•`; PostgreSQL: until the next `->`). */
const propsOf = (lines: ReadonlyArray<string>, i: number, next: RegExp): ReadonlyArray<string> => {
  const props: Array<string> = []
  for (let j = i + 1; j < lines.length && !next.test(lines[j]!); j++) props.push(lines[j]!.replace(/^[\s│└─├]+/, "").trim())
  return props
}

/** CockroachDB's `• scan` nodes of tables. */
const cockroachScans = (lines: ReadonlyArray<string>): ReadonlyArray<ScanNode> =>
  lines.flatMap((line, i) => {
    if (!/•\s*scan\s*$/.test(line)) return []
    const props = propsOf(lines, i, /•/)
    const table = props.find((p) => p.startsWith("table:"))?.slice("table:".length).trim()
    if (table === undefined) return []
    const m = /^([^@\s]+)@(\S+)/.exec(table)
    const spans = props.find((p) => p.startsWith("spans:"))?.slice("spans:".length).trim() ?? ""
    // The parent node: the nearest node line above whose bullet sits further left.
    const column = line.indexOf("•")
    const parent = lines.slice(0, i).reverse().find((l) => l.includes("•") && l.indexOf("•") < column)
    const filtered = parent !== undefined && /•\s*filter\b/.test(parent)
    return [{ table: m?.[1] ?? table, index: m?.[2] ?? "", constrained: spans !== "" && !spans.startsWith("FULL SCAN"), filtered, condition: spans }]
  })

/** A condition that bounds an index read: a comparison, not only `IS NOT NULL` tests. */
const compares = (cond: string): boolean => /[=<>]|\bANY\b|\bIN\b/.test(cond.replace(/\S+ IS NOT NULL/g, ""))

/** PostgreSQL's table and index read nodes. */
const postgresScans = (lines: ReadonlyArray<string>): ReadonlyArray<ScanNode> =>
  lines.flatMap((line, i) => {
    const props = () => propsOf(lines, i, /^\s*->/)
    const cond = (label: string) => props().filter((p) => p.startsWith(label)).some(compares)
    const text = (label: string) => props().filter((p) => p.startsWith(label)).join(" ")
    const filtered = () => props().some((p) => p.startsWith("Filter:"))
    let m = /(?:Parallel )?Seq Scan on ([^\s(]+)/.exec(line)
    if (m !== null) return [{ table: m[1]!, index: "", constrained: false, filtered: filtered(), condition: "" }]
    m = /(?:Parallel )?Index (?:Only )?Scan (?:Backward )?using (\S+) on ([^\s(]+)/.exec(line)
    if (m !== null) return [{ table: m[2]!, index: m[1]!, constrained: cond("Index Cond:"), filtered: filtered(), condition: text("Index Cond:") }]
    m = /Bitmap Index Scan on ([^\s(]+)/.exec(line)
    if (m !== null) return [{ table: "", index: m[1]!, constrained: cond("Index Cond:"), filtered: false, condition: text("Index Cond:") }]
    m = /(?:Parallel )?Bitmap Heap Scan on ([^\s(]+)/.exec(line)
    if (m !== null) return [{ table: m[1]!, index: "", constrained: cond("Recheck Cond:"), filtered: filtered(), condition: text("Recheck Cond:") }]
    return []
  })

/** Every table and index read of the plan, in plan order. */
export const scans = (plan: Plan): ReadonlyArray<ScanNode> =>
  plan.dialect === "postgresql" ? postgresScans(plan.lines) : cockroachScans(plan.lines)

/**
 * The tables (or, for a bitmap index scan, the indexes) the plan reads without a condition, in
 * plan order (empty: every read is bounded by an index condition or constrained spans).
 */
export const unboundedScans = (plan: Plan): ReadonlyArray<string> =>
  scans(plan).filter((s) => !s.constrained).map((s) => s.table === "" ? s.index : s.table)

/** Does the plan read `table` without a condition? */
export const scansUnbounded = (plan: Plan, table: string): boolean => unboundedScans(plan).includes(table)

/** The conditions of every read through `index` (PostgreSQL's index condition, CockroachDB's spans). */
export const conditionsOn = (plan: Plan, index: string): ReadonlyArray<string> =>
  scans(plan).filter((s) => s.index === index).map((s) => s.condition)

/** Does the plan read through `index`? */
export const usesIndex = (plan: Plan, index: string): boolean => scans(plan).some((s) => s.index === index)

/**
 * EXPLAINs `statement` on the server `dialect` names. On PostgreSQL with `enable_seqscan = off`,
 * so the small tables of a test show the index plan if there is one; CockroachDB's optimizer has
 * no such switch, and plans the tables of a test by its default statistics.
 */
export const explain = (sql: SqlClient.SqlClient, dialect: Dialect, statement: Statement<unknown>) =>
  sql.withTransaction(Effect.gen(function*() {
    if (dialect === "postgresql") yield* sql.unsafe("SET LOCAL enable_seqscan = off")
    const [text, params] = statement.compile()
    const rows = yield* sql.unsafe<Record<string, string>>(`EXPLAIN ${text}`, params)
    const column = dialect === "postgresql" ? "QUERY PLAN" : "info"
    return { text, plan: { dialect, lines: rows.map((r) => r[column] ?? "") } satisfies Plan }
  }))
