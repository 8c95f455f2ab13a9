import type { Dialect } from "@fm-rendezvous/adapters-sql"
import { Effect } from "effect"
import type { SqlClient } from "effect/sql"
import type { Statement } from "effect/sql/Statement"

/**
 * The ONE reader of query plans, for both servers' EXPLAIN formats (docs/SQL.md, "EXPLAIN on
 * both"): the tests that prove every periodic query index-backed ask it, and only it, whether a
 * plan scans a table without an index.
 *
 * - PostgreSQL: one text row per plan line in the `QUERY PLAN` column; a table read without an
 *   index is a `Seq Scan on <table>` (or `Parallel Seq Scan`).
 * - CockroachDB: one row per line in the `info` column; each `• scan` node lists `table:
 *   <table>@<index>` and `spans:`. A scan without an index is `spans: FULL SCAN` (also `FULL SCAN
 *   (SOFT LIMIT)`: it may stop early, but need not), except on a partial index (`(partial
 *   index)` after the index name: the index holds only the rows the predicate selects) or under
 *   a hard `limit:` of the scan node itself.
 */
export interface Plan {
  readonly dialect: Dialect
  readonly lines: ReadonlyArray<string>
}

export const planText = (plan: Plan): string => plan.lines.join("\n")

interface ScanNode {
  readonly table: string
  readonly index: string
  readonly partial: boolean
  readonly spans: string
  readonly limited: boolean
}

/** CockroachDB's `• scan` nodes with their properties (the lines until the next node). */
const cockroachScans = (lines: ReadonlyArray<string>): ReadonlyArray<ScanNode> => {
  const scans: Array<ScanNode> = []
  for (let i = 0; i < lines.length; i++) {
    if (!/•\s*scan\b/.test(lines[i]!)) continue
    const props: Array<string> = []
    for (let j = i + 1; j < lines.length && !/•/.test(lines[j]!); j++) props.push(lines[j]!.replace(/^[\s│└─├]+/, "").trim())
    const table = props.find((p) => p.startsWith("table:"))?.slice("table:".length).trim() ?? ""
    const m = /^([^@\s]+)@(\S+)(\s+\(partial index\))?/.exec(table)
    scans.push({
      table: m?.[1] ?? table,
      index: m?.[2] ?? "",
      partial: m?.[3] !== undefined,
      spans: props.find((p) => p.startsWith("spans:"))?.slice("spans:".length).trim() ?? "",
      limited: props.some((p) => /^limit:\s*\d+/.test(p))
    })
  }
  return scans
}

/** The tables the plan reads without an index, in plan order (empty: every read is index-backed). */
export const tablesScannedWithoutIndex = (plan: Plan): ReadonlyArray<string> =>
  plan.dialect === "postgresql"
    ? plan.lines.flatMap((l) => {
      const m = /(?:Parallel )?Seq Scan on ([^\s(]+)/.exec(l)
      return m === null ? [] : [m[1]!]
    })
    : cockroachScans(plan.lines).filter((s) => s.spans.startsWith("FULL SCAN") && !s.partial && !s.limited).map((s) => s.table)

/** Does the plan scan `table` without an index? */
export const scansWithoutIndex = (plan: Plan, table: string): boolean => tablesScannedWithoutIndex(plan).includes(table)

/** Does the plan read through `index`? */
export const usesIndex = (plan: Plan, index: string): boolean =>
  plan.dialect === "postgresql"
    ? plan.lines.some((l) => new RegExp(`Index (Only )?Scan (using|on) ${index}\\b`).test(l))
    : cockroachScans(plan.lines).some((s) => s.index === index)

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
