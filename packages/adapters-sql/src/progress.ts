import {
  type ActivationReport,
  decodeStoredReport,
  encodeReport,
  type KindName,
  type KindProgress,
  type ProgressMark,
  ProgressStore,
  type Reconciled,
  ReportStore
} from "@fm-rendezvous/domain"
import { Clock, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { type Profile, SqlProfile } from "./profile.ts"
import { withRetry } from "./retry.ts"
import { toDate, toGeneration } from "./rows.ts"
import { storeError } from "./wording.ts"

/**
 * Execution progress per kind (SPEC 2) and the latest activation report per executor (SPEC 7.2).
 * Progress is advisory: reads never write (no "version 0" row), and every advance is monotonic
 * in the statement itself, so concurrent executors cannot move it backwards (SPEC 4).
 */
type Sql = SqlClient.SqlClient

interface ProgressRow {
  readonly kind: string
  readonly executed_generation: bigint | null
  readonly executed_at: Date | null
  readonly executed_by: string | null
  readonly swept_generation: bigint | null
  readonly swept_at: Date | null
  readonly swept_by: string | null
}

export const selectProgress = (sql: Sql) =>
  sql<ProgressRow>`SELECT kind, executed_generation, executed_at, executed_by, swept_generation, swept_at, swept_by
    FROM execution_progress ORDER BY kind`

/**
 * ONE upsert; the three columns of a mark move together, and only forwards (domain `advance`:
 * a lower or equal generation keeps the stored mark). In ON CONFLICT DO UPDATE every expression
 * reads the row as it was, so the CASE sees the old generation in all three.
 */
export const recordProgress = (
  sql: Sql,
  which: "executed" | "swept",
  kind: KindName,
  mark: ProgressMark,
  profile: Pick<Profile, "asyncAdvisoryCommit"> = { asyncAdvisoryCommit: false }
) => {
  const g = sql(`${which}_generation`)
  const at = sql(`${which}_at`)
  const by = sql(`${which}_by`)
  const newer = sql`(execution_progress.${g} IS NULL OR execution_progress.${g} < excluded.${g})`
  // PostgreSQL: this statement's own transaction commits without waiting for the WAL flush
  // (`set_config(..., true)` is local to it; commit reads the setting before it is reset).
  const values = profile.asyncAdvisoryCommit
    ? sql`SELECT CAST(${kind} AS TEXT), CAST(${mark.generation} AS INT8), CAST(${mark.at} AS TIMESTAMPTZ), CAST(${mark.by} AS TEXT)
      FROM (SELECT set_config('synchronous_commit', 'off', true)) AS advisory`
    : sql`VALUES (${kind}, ${mark.generation}, ${mark.at}, ${mark.by})`
  return sql`INSERT INTO execution_progress (kind, ${g}, ${at}, ${by})
    ${values}
    ON CONFLICT (kind) DO UPDATE SET
      ${g} = CASE WHEN ${newer} THEN excluded.${g} ELSE execution_progress.${g} END,
      ${at} = CASE WHEN ${newer} THEN excluded.${at} ELSE execution_progress.${at} END,
      ${by} = CASE WHEN ${newer} THEN excluded.${by} ELSE execution_progress.${by} END`
}

/** Issue 18 (table from the migrations' `lineage` track): one row per kind. */
export const selectReconciled = (sql: Sql) =>
  sql<{ kind: string; reconciled_at: Date; reconciled_by: string }>`SELECT kind, reconciled_at, reconciled_by FROM kind_reconciliation`

/** ONE upsert, forwards in time only. */
export const recordReconciledRow = (sql: Sql, kind: KindName, r: Reconciled) =>
  sql`INSERT INTO kind_reconciliation (kind, reconciled_at, reconciled_by) VALUES (${kind}, ${r.at}, ${r.by})
    ON CONFLICT (kind) DO UPDATE SET reconciled_at = excluded.reconciled_at, reconciled_by = excluded.reconciled_by
    WHERE kind_reconciliation.reconciled_at < excluded.reconciled_at`

export const upsertReport = (sql: Sql, report: ActivationReport, now: Date) =>
  sql`INSERT INTO activation_report (executor, report, saved_at)
    VALUES (${report.executor}, CAST(${JSON.stringify(encodeReport(report))} AS JSONB), ${now})
    ON CONFLICT (executor) DO UPDATE SET report = excluded.report, saved_at = excluded.saved_at`

/** `fm status`: the whole table is the answer (one row per executor), read in key order. */
export const selectReports = (sql: Sql) =>
  sql<{ executor: string; report: unknown }>`SELECT executor, report FROM activation_report ORDER BY executor`

const mark = (generation: bigint | null, at: Date | null, by: string | null): ProgressMark | null =>
  generation === null ? null : { generation: toGeneration(generation), at: toDate(at), by: by ?? "" }

export const SqlProgressStore = Layer.effect(
  ProgressStore,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const profile = yield* SqlProfile
    return ProgressStore.of({
      readAll: withRetry(selectProgress(sql)).pipe(
        Effect.map((rows) => {
          const all: Record<KindName, KindProgress> = {}
          for (const r of rows) {
            all[r.kind as KindName] = {
              executedThrough: mark(r.executed_generation, r.executed_at, r.executed_by),
              sweptThrough: mark(r.swept_generation, r.swept_at, r.swept_by)
            }
          }
          return all
        }),
        storeError("reading execution progress")
      ),
      recordExecuted: (kind, m) =>
        withRetry(recordProgress(sql, "executed", kind, m, profile)).pipe(Effect.asVoid, storeError(`recording ${kind} execution progress`)),
      recordSwept: (kind, m) =>
        withRetry(recordProgress(sql, "swept", kind, m, profile)).pipe(Effect.asVoid, storeError(`recording ${kind} sweep progress`)),
      readReconciled: withRetry(selectReconciled(sql)).pipe(
        Effect.map((rows) => Object.fromEntries(rows.map((r) => [r.kind, { at: toDate(r.reconciled_at), by: r.reconciled_by }]))),
        storeError("reading when each kind was last reconciled")
      ),
      recordReconciled: (kind, r) =>
        withRetry(recordReconciledRow(sql, kind, r)).pipe(Effect.asVoid, storeError(`recording the ${kind} reconciliation`))
    })
  })
)

export const SqlReportStore = Layer.effect(
  ReportStore,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return ReportStore.of({
      save: (report) =>
        Effect.flatMap(Clock.currentTimeMillis, (ms) => withRetry(upsertReport(sql, report, new Date(ms)))).pipe(
          Effect.asVoid,
          storeError(`saving the report of ${report.executor}`)
        ),
      // Sorted here, by code unit like the memory adapter, not by the server's collation.
      latest: withRetry(selectReports(sql)).pipe(
        Effect.flatMap((rows) =>
          Effect.forEach([...rows].sort((a, b) => (a.executor < b.executor ? -1 : 1)), (r) => {
            const decoded = decodeStoredReport(r.report)
            // A report another release wrote in another shape is left out, not fatal to `fm status`.
            return decoded._tag === "Success"
              ? Effect.succeed([decoded.success as ActivationReport])
              : Effect.as(Effect.logWarning(`the last report of executor ${r.executor} is in a format this version cannot read; it is left out`), [])
          })
        ),
        Effect.map((reports) => reports.flat()),
        storeError("reading activation reports")
      )
    })
  })
)
