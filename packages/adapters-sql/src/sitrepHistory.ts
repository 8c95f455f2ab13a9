import { SitrepHistory } from "@fm-rendezvous/domain"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { toDate, toGeneration, toVersion } from "./rows.ts"
import { storeError } from "./wording.ts"

interface EntryRow {
  readonly version: bigint
  readonly id: string
  readonly parent_id: string | null
  readonly creator_id: string
  readonly published_by: string | null
  readonly time_created: Date
  readonly comment: string
  /** kind -> generation as text (INT8 values beyond 2^53 survive JSON as strings). */
  readonly generations: Record<string, string> | string | null
}

/**
 * ONE statement per page: down the history's primary key from `before`, each sitrep by its key,
 * its generations aggregated by a correlated read of their primary key (SQL.md: common subset).
 */
export const selectHistoryPage = (sql: SqlClient.SqlClient, before: number | null, limit: number) =>
  sql<EntryRow>`SELECT h.version, s.id, s.parent_id, s.creator_id,
      (SELECT p.published_by FROM sitrep_publisher p WHERE p.sitrep_id = s.id) AS published_by, s.time_created, s.comment,
      (SELECT jsonb_object_agg(g.kind, CAST(g.generation AS TEXT)) FROM sitrep_generation g WHERE g.sitrep_id = s.id) AS generations
    FROM sitrep_history h JOIN sitrep s ON s.id = h.sitrep_id
    WHERE ${before === null ? sql`TRUE` : sql`h.version < ${BigInt(before)}`}
    ORDER BY h.version DESC LIMIT ${limit}`

export const SqlSitrepHistory = Layer.effect(
  SitrepHistory,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return SitrepHistory.of({
      page: (before, limit) =>
        selectHistoryPage(sql, before === null ? null : Number(before), limit).pipe(
          Effect.map((rows) =>
            rows.map((r) => {
              const generations = typeof r.generations === "string" ? JSON.parse(r.generations) : (r.generations ?? {})
              return {
                id: r.id as never,
                parentId: r.parent_id as never,
                version: toVersion(r.version),
                creatorId: r.creator_id,
                publishedBy: r.published_by ?? null,
                timeCreated: toDate(r.time_created),
                comment: r.comment,
                generations: Object.fromEntries(Object.entries(generations as Record<string, string>).map(([k, g]) => [k, toGeneration(BigInt(g))]))
              }
            })
          ),
          storeError("reading the sitrep history")
        )
    })
  })
)
