import { CollectionBacklog } from "@fm-rendezvous/domain"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlKind } from "./kind.ts"
import { SqlKinds } from "./kinds.ts"
import { withRetry } from "./retry.ts"
import { toDate } from "./rows.ts"
import { storeError } from "./wording.ts"

type Sql = SqlClient.SqlClient

/**
 * SPEC 9's database gauges, one statement each (docs/SQL.md, "Collection backlog"). A marker
 * awaits collection while its `dropped_at_generation` is set: the partial index
 * `<table>_marker_dropped` holds exactly those rows, so the count reads that index only and costs
 * what awaits collection, never the marker table.
 */
export const countAwaiting = (sql: Sql, k: SqlKind) =>
  sql<{ awaiting: bigint | string }>`SELECT count(*) AS awaiting FROM ${sql(k.markerTable)}
    WHERE dropped_at_generation IS NOT NULL`

/**
 * The publish time of the sitrep that dropped the id of the oldest marker awaiting collection
 * (lowest dropped generation, then id: the partial index's order). History is one lineage, so
 * that sitrep is the oldest version whose generation of the kind is the marker's dropped
 * generation (through `sitrep_generation_by_kind`, then `sitrep_history`'s unique sitrep id);
 * when history no longer holds it (pruned), the drop came at or before its oldest version, whose
 * time is a lower bound of the age. No row: nothing awaits collection.
 */
export const selectOldestDroppedAt = (sql: Sql, k: SqlKind) =>
  sql<{ dropped_at: Date | string }>`WITH oldest AS (
      SELECT dropped_at_generation FROM ${sql(k.markerTable)} WHERE dropped_at_generation IS NOT NULL
      ORDER BY dropped_at_generation, resource_id LIMIT 1
    ), dropper AS (
      SELECT h.version FROM oldest AS o
      JOIN sitrep_generation AS g ON g.kind = ${k.kind.name} AND g.generation = o.dropped_at_generation
      JOIN sitrep_history AS h ON h.sitrep_id = g.sitrep_id
      ORDER BY h.version LIMIT 1
    ), first_kept AS (
      SELECT version FROM sitrep_history ORDER BY version LIMIT 1
    )
    SELECT s.time_created AS dropped_at
    FROM sitrep_history AS h JOIN sitrep AS s ON s.id = h.sitrep_id
    WHERE EXISTS (SELECT 1 FROM oldest)
      AND h.version = COALESCE((SELECT version FROM dropper), (SELECT version FROM first_kept))`

export const SqlCollectionBacklog = Layer.effect(
  CollectionBacklog,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const kinds = yield* SqlKinds
    return CollectionBacklog.of({
      awaiting: (kind) =>
        Effect.flatMap(kinds.lookup(kind), (k) => withRetry(countAwaiting(sql, k))).pipe(
          Effect.map((rows) => Number(rows[0]?.awaiting ?? 0)),
          storeError(`counting the ${kind} markers awaiting collection`)
        ),
      oldestDroppedAt: (kind) =>
        Effect.flatMap(kinds.lookup(kind), (k) => withRetry(selectOldestDroppedAt(sql, k))).pipe(
          Effect.map((rows) => Option.map(Option.fromNullishOr(rows[0]), (r) => toDate(r.dropped_at))),
          storeError(`reading the oldest ${kind} marker awaiting collection`)
        )
    })
  })
)
