import { type AuditAction, type AuditCursor, type AuditEntry, type AuditFilter, AuditLog, type NewAuditEntry } from "@fm-rendezvous/domain"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { withRetry } from "./retry.ts"
import { toDate } from "./rows.ts"
import { storeError } from "./wording.ts"

/**
 * The audit record (issue 25.5): `fm_audit`, on the migration track `audit`. Entries are written
 * by the stores' own transactions (`insertAudit` inside a delete, comment, publish, prune page,
 * token creation or revocation), never by a statement of their own, so an entry exists exactly
 * when its action committed. Read newest first through one of three indexes, and pruned by age in
 * pages through the time index: no statement reads the table whole (EXPLAIN-tested).
 */
type Sql = SqlClient.SqlClient

interface AuditRow {
  readonly id: string
  readonly at: Date
  readonly actor: string
  readonly action: string
  readonly kind: string | null
  readonly subject: string
  readonly version: bigint | string | null
  readonly outcome: string
  readonly detail: Record<string, unknown> | string
}

const toEntry = (r: AuditRow): AuditEntry => ({
  id: r.id,
  at: toDate(r.at),
  actor: r.actor,
  action: r.action as AuditAction,
  kind: r.kind,
  subject: r.subject,
  version: r.version === null ? null : Number(r.version),
  outcome: r.outcome,
  detail: typeof r.detail === "string" ? JSON.parse(r.detail) : r.detail
})

/** One entry, in the caller's transaction; the id is the server's (`gen_random_uuid`, both servers). */
export const insertAudit = (sql: Sql, e: NewAuditEntry) =>
  sql`INSERT INTO fm_audit (id, at, actor, action, kind, subject, version, outcome, detail)
    VALUES (gen_random_uuid(), ${e.at}, ${e.actor}, ${e.action}, ${e.kind}, ${e.subject},
      ${e.version === null ? null : BigInt(e.version)}, ${e.outcome}, CAST(${JSON.stringify(e.detail)} AS JSONB))`

/**
 * ONE statement per page, newest first. The index follows the filter: `fm_audit_by_subject
 * (subject, at, id)` for --id, `fm_audit_by_actor (actor, at, id)` for an actor alone, else
 * `fm_audit_by_time (at, id)`; the cursor and `since` bound the same index.
 */
export const selectAuditPage = (sql: Sql, filter: AuditFilter, cursor: AuditCursor | null, limit: number) => {
  const conditions = [
    ...(filter.subject === undefined ? [] : [sql`subject = ${filter.subject}`]),
    ...(filter.actor === undefined ? [] : [sql`actor = ${filter.actor}`]),
    ...(filter.since === undefined ? [] : [sql`at >= ${filter.since}`]),
    ...(cursor === null ? [] : [sql`(at, id) < (${cursor.at}, CAST(${cursor.id} AS UUID))`])
  ]
  return sql<AuditRow>`SELECT id, at, actor, action, kind, subject, version, outcome, detail FROM fm_audit
    WHERE ${conditions.length === 0 ? sql`TRUE` : sql.and(conditions)}
    ORDER BY at DESC, id DESC LIMIT ${limit}`
}

/**
 * ONE statement: up to `limit` of the oldest entries before `before`, found through
 * `fm_audit_by_time` and deleted by primary key. `id = ANY(ARRAY(...))` rather than `id IN
 * (SELECT ...)`: the latter may plan as a merge join over the whole primary key.
 */
export const pruneAuditPage = (sql: Sql, before: Date, limit: number) =>
  sql<{ id: string }>`DELETE FROM fm_audit WHERE id = ANY(ARRAY(
      SELECT id FROM fm_audit WHERE at < ${before} ORDER BY at, id LIMIT ${limit}
    ))
    RETURNING id`

export const SqlAuditLog = Layer.effect(
  AuditLog,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return AuditLog.of({
      page: (filter, cursor, limit) =>
        withRetry(selectAuditPage(sql, filter, cursor, limit)).pipe(Effect.map((rows) => rows.map(toEntry)), storeError("reading the audit record")),
      prune: (before, limit) =>
        withRetry(pruneAuditPage(sql, before, limit)).pipe(Effect.map((rows) => rows.length), storeError("pruning the audit record"))
    })
  })
)
