import type { CandidateCursor, SitrepId } from "@fm-rendezvous/domain"
import type { SqlClient } from "effect/sql"
import type { Fragment } from "effect/sql/Statement"
import type { SqlKind } from "./kind.ts"
import { carriedAt } from "./sitreps.ts"

/**
 * Statement builders for creation markers and their GC candidate marks (SPEC 3.3, 3.4). Each sweep
 * page is ONE statement: it reads the held sitrep as stored, judges a bounded page, deletes what
 * the rule allows, and returns what it did. Shared by production and the EXPLAIN tests.
 */
type Sql = SqlClient.SqlClient

export interface MarkerRow {
  readonly resource_id: string
  readonly created_at_generation: bigint
  readonly time_created: Date
  readonly time_deleted: Date | null
  readonly deleted_by: string | null
  /** Absent from statements that do not read it (the guarded insert's outcome rows). */
  readonly dropped_at_generation?: bigint | null
}

export const selectMarker = (sql: Sql, k: SqlKind, id: string) =>
  sql<MarkerRow>`SELECT resource_id, created_at_generation, time_created, time_deleted, deleted_by, dropped_at_generation
    FROM ${sql(k.markerTable)} WHERE resource_id = ${id}`

/**
 * The held sitrep as stored, and its generation for the kind (NULL when it has none). No row at
 * all means it was pruned: the rule fails closed (SitrepMissing).
 */
const heldCte = (sql: Sql, k: SqlKind, held: SitrepId) =>
  sql`held AS (
      SELECT s.id, (SELECT g.generation FROM sitrep_generation g WHERE g.sitrep_id = s.id AND g.kind = ${k.kind.name})
        AS generation
      FROM sitrep s WHERE s.id = ${held}
    )`

/**
 * SPEC 3.3 in SQL (domain rules/gc.ts `collectibility`): the marker `m` may go iff the held
 * sitrep does not request its id (no lineage row of the id whose interval holds the held
 * generation: one primary-key lookup) and it was created strictly below the held generation. A NULL
 * generation (none for this kind) makes it not collectible. The contract suite proves agreement.
 * `OFFSET 0` keeps the lookup a per-marker probe: without it PostgreSQL may turn this EXISTS
 * (inside an expression, so not an anti-join) into a hashed subplan that reads every request of
 * the kind carried at the held generation, which it did at R = 100,000 for a page of 5 markers
 * (it estimates the page at its LIMIT and the range at a third of the table; issue 19).
 */
const collectible = (sql: Sql, k: SqlKind, marker: string) =>
  sql`COALESCE(
      ${sql(marker)}.created_at_generation < (SELECT generation FROM held)
      AND NOT EXISTS (
        SELECT 1 FROM lineage_request r
        WHERE r.kind = ${k.kind.name} AND r.id = ${sql(marker)}.resource_id
          AND ${carriedAt(sql, "r", sql`(SELECT generation FROM held)`)}
        OFFSET 0
      ),
      FALSE)`

/**
 * The marker delete re-checks the generation on the row it deletes: under READ COMMITTED a row
 * changed since the snapshot is re-evaluated against this condition, never deleted blindly. Its
 * RETURNING names only the deleted table's columns: CockroachDB's delete.md documents RETURNING
 * as "column names from the table", not those of the USING table (docs/SQL.md, "Checked on paper").
 */
const sweptCte = (sql: Sql, k: SqlKind, alsoReturn: Fragment = sql``) =>
  sql`swept AS (
      DELETE FROM ${sql(k.markerTable)} m USING judged j
      WHERE m.resource_id = j.resource_id AND j.collectible
        AND m.created_at_generation < (SELECT generation FROM held)
      RETURNING m.resource_id ${alsoReturn}
    )`

export interface SweepRow {
  readonly held_found: bigint
  readonly examined: bigint
  readonly last_generation: bigint | null
  readonly last_id: string | null
  readonly deleted_id: string | null
}

/**
 * ONE page of the candidate sweep (SPEC 3.4), over ONE table: the markers marked dropped at or
 * below the held generation, after the (generation, id) cursor, in the order of the partial index
 * that holds only marked markers. Collectible markers are deleted; the others stay marked for a
 * later, higher held generation. The cursor is the page's last marker, so a page with nothing
 * collectible still advances. The deleted ids come straight from `swept`, which returns their
 * dropped generation: joining `swept` back to `judged` instead made PostgreSQL estimate one row per
 * CTE and compare every pair (docs/PERFORMANCE.md).
 */
export const sweepCandidatesPage = (
  sql: Sql,
  k: SqlKind,
  held: SitrepId,
  cursor: CandidateCursor | null,
  pageSize: number
) => {
  const after: Fragment = cursor === null
    ? sql``
    : sql`AND (c.dropped_at_generation, c.resource_id) > (${cursor.generation}, CAST(${cursor.id} AS UUID))`
  return sql<SweepRow>`WITH
    ${heldCte(sql, k, held)},
    page AS (
      SELECT c.resource_id, c.dropped_at_generation, c.created_at_generation FROM ${sql(k.markerTable)} c
      WHERE c.dropped_at_generation IS NOT NULL AND c.dropped_at_generation <= (SELECT generation FROM held) ${after}
      ORDER BY c.dropped_at_generation, c.resource_id
      LIMIT ${pageSize}
    ),
    judged AS (
      SELECT p.resource_id, p.dropped_at_generation, ${collectible(sql, k, "p")} AS collectible
      FROM page p
    ),
    ${sweptCte(sql, k, sql`, m.dropped_at_generation`)}
    SELECT (SELECT count(*) FROM held) AS held_found, (SELECT count(*) FROM page) AS examined,
      last.dropped_at_generation AS last_generation, last.resource_id AS last_id, d.resource_id AS deleted_id
    FROM (SELECT 1 AS one) AS one
    LEFT JOIN (
      SELECT dropped_at_generation, resource_id FROM page
      ORDER BY dropped_at_generation DESC, resource_id DESC LIMIT 1
    ) AS last ON TRUE
    LEFT JOIN swept AS d ON TRUE
    ORDER BY d.dropped_at_generation, d.resource_id`
}

/**
 * ONE page of the reconciliation pass (SPEC 3.4): every marker by primary key after `cursor`,
 * judged by the same rule; the cursor is the largest id of the page (ORDER BY id DESC LIMIT 1,
 * PostgreSQL has no max(uuid)), not of the deleted rows. It collects markers whether or not they
 * carry a dropped generation, so a marker that missed its mark is collected here at the latest.
 */
export const reconcileMarkersPage = (sql: Sql, k: SqlKind, held: SitrepId, cursor: string | null, pageSize: number) => {
  const after: Fragment = cursor === null ? sql`` : sql`WHERE m.resource_id > CAST(${cursor} AS UUID)`
  return sql<SweepRow>`WITH
    ${heldCte(sql, k, held)},
    page AS (
      SELECT m.resource_id, m.created_at_generation FROM ${sql(k.markerTable)} m ${after}
      ORDER BY m.resource_id
      LIMIT ${pageSize}
    ),
    judged AS (
      SELECT p.resource_id, ${collectible(sql, k, "p")} AS collectible
      FROM page p WHERE EXISTS (SELECT 1 FROM held)
    ),
    ${sweptCte(sql, k)}
    SELECT (SELECT count(*) FROM held) AS held_found, (SELECT count(*) FROM page) AS examined,
      NULL AS last_generation, last.resource_id AS last_id, s.resource_id AS deleted_id
    FROM (SELECT 1 AS one) AS one
    LEFT JOIN (SELECT resource_id FROM page ORDER BY resource_id DESC LIMIT 1) AS last ON TRUE
    LEFT JOIN swept s ON TRUE
    ORDER BY s.resource_id`
}
