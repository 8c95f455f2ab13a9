import type { Generation, Marker, Request } from "@fm-rendezvous/domain"
import type { SqlClient } from "effect/sql"
import { columnValues, hasState, type SqlKind } from "./kind.ts"
import type { MarkerRow } from "./markers.ts"
import { textArray } from "./params.ts"
import type { Profile } from "./profile.ts"
import { SENTINELS, sentinel } from "./sentinel.ts"
import { carriedAt } from "./sitreps.ts"

/**
 * Statement builders for the resource tables of every kind (alerts, support bundles, and any
 * kind registered later) and the operator's writes to their markers (SPEC 3.1, 3.2). Shared by
 * production and the EXPLAIN tests.
 */
type Sql = SqlClient.SqlClient

export interface ResourceRow {
  readonly id: string
  readonly case_id: string | null
  readonly time_created: Date
  readonly state?: string | null
  readonly [column: string]: unknown
}

const resourceColumns = (sql: Sql, k: SqlKind) =>
  // Column names are validated identifiers (kind.ts), so they can be written as they are.
  sql.literal(["id", "case_id", "time_created", ...(hasState(k) ? ["state"] : []), ...k.columns.map((c) => c.column)].join(", "))

export interface GuardedRow extends Partial<MarkerRow> {
  readonly ok: boolean
  readonly current_generation: bigint | null
  readonly id: string | null
  readonly has_row: boolean | null
  readonly created: boolean | null
  readonly consistent: boolean
}

/**
 * SPEC 3.1 as ONE statement per batch. Read it top down:
 * - `head` reads the current-sitrep pointer; on the PostgreSQL profile (`profile.shareLock`, READ
 *   COMMITTED) it locks it FOR SHARE. Under SERIALIZABLE (the CockroachDB profile) no lock is
 *   taken or needed: a publish racing this statement forms a read-write cycle with it, and one of
 *   the two fails with 40001 and is re-run (docs/SQL.md, "Safety, part 1"). With the lock: a
 *   publish moves the pointer by UPDATE, so a publish
 *   in flight is waited for, and one committed since this statement's snapshot is seen (the lock
 *   re-reads the newest row, whose sitrep this snapshot cannot see): the guard then fails closed.
 *   While the lock is held no publish can change any generation, so nothing can make this batch
 *   stale or collect its markers before it commits (docs/SQL.md).
 * - `guard` compares the held generation with the current sitrep's for the kind: equality, and
 *   NULL (no history, no generation) is stale. Every insert below selects from `guard`, so
 *   PostgreSQL cannot skip it (it does not run unreferenced SELECT CTEs).
 * - `seen` is what the snapshot shows of each id: its marker and whether a row exists.
 * - `marked` inserts the markers first, with a named conflict target: a marker committed since the
 *   snapshot (a concurrent creation, perhaps already deleted by an operator) wins the conflict,
 *   so a tombstone can never be overwritten and the row below is never written for it.
 * - `created` inserts the rows of the markers just written.
 * - the `consistent` sentinel aborts the whole statement when an insert met a conflict the
 *   snapshot did not show; the adapter re-runs it, and the new snapshot decides the outcome.
 */
export const createGuardedBatch = (
  sql: Sql,
  k: SqlKind,
  held: Generation,
  requests: ReadonlyArray<Request>,
  now: Date,
  profile: Pick<Profile, "shareLock">
) => {
  const values = columnValues(k, requests)
  const columnParams = k.columns.map((c, i) => sql`, ${textArray(values[i]!)}::text[]`)
  const columnAliases = k.columns.map((c) => sql`, ${sql(c.column)}`)
  const columnSelects = k.columns.map((c) =>
    c.type === "jsonb" ? sql`, CAST(r.${sql(c.column)} AS JSONB)` : sql`, r.${sql(c.column)}`
  )
  // Parameters in an INSERT ... SELECT list are cast to their column's type (docs/SQL.md, "Checked
  // on paper"): nothing rests on how either server infers an untyped parameter there.
  const state = k.kind.lifecycle === null ? sql`` : sql`, CAST(${k.kind.lifecycle.initialState} AS TEXT)`
  return sql<GuardedRow>`WITH
    head AS (SELECT sitrep_id FROM sitrep_current WHERE singleton${profile.shareLock ? sql` FOR SHARE` : sql``}),
    guard AS (
      SELECT g.current_generation, COALESCE(g.current_generation = ${held}, FALSE) AS ok
      FROM (
        SELECT (SELECT gen.generation FROM sitrep_generation gen
                WHERE gen.sitrep_id = (SELECT sitrep_id FROM head) AND gen.kind = ${k.kind.name}) AS current_generation
      ) AS g
    ),
    req AS (
      SELECT * FROM unnest(
        ${textArray(requests.map((r) => r.id))}::uuid[], ${textArray(requests.map((r) => r.caseId))}::uuid[]
        ${sql.join("", false)(columnParams)}
      ) WITH ORDINALITY AS r(id, case_id ${sql.join("", false)(columnAliases)}, ord)
    ),
    seen AS (
      SELECT r.id, r.ord, x.id IS NOT NULL AS has_row,
        m.resource_id, m.created_at_generation, m.time_created, m.time_deleted, m.deleted_by
      FROM req r
      LEFT JOIN ${sql(k.markerTable)} m ON m.resource_id = r.id
      LEFT JOIN ${sql(k.resourceTable)} x ON x.id = r.id
    ),
    to_create AS (
      SELECT s.id FROM seen s, guard WHERE guard.ok AND s.resource_id IS NULL AND NOT s.has_row
    ),
    marked AS (
      INSERT INTO ${sql(k.markerTable)} (resource_id, created_at_generation, time_created)
      SELECT t.id, CAST(${held} AS INT8), CAST(${now} AS TIMESTAMPTZ) FROM to_create t, guard WHERE guard.ok
      ON CONFLICT (resource_id) DO NOTHING
      RETURNING resource_id
    ),
    created AS (
      INSERT INTO ${sql(k.resourceTable)} (${resourceColumns(sql, k)})
      SELECT r.id, r.case_id, CAST(${now} AS TIMESTAMPTZ) ${state} ${sql.join("", false)(columnSelects)}
      FROM req r JOIN marked mk ON mk.resource_id = r.id
      ON CONFLICT (id) DO NOTHING
      RETURNING id
    )
    SELECT guard.ok, guard.current_generation, s.id, s.has_row,
      s.resource_id, s.created_at_generation, s.time_created, s.time_deleted, s.deleted_by,
      c.id IS NOT NULL AS created,
      ${
    sentinel(
      sql,
      sql`(SELECT count(*) FROM to_create) = (SELECT count(*) FROM marked)
        AND (SELECT count(*) FROM marked) = (SELECT count(*) FROM created)`,
      SENTINELS.creationRaced
    )} AS consistent
    FROM guard LEFT JOIN seen s ON guard.ok LEFT JOIN created c ON c.id = s.id
    ORDER BY s.ord`
}

export const selectResource = (sql: Sql, k: SqlKind, id: string) =>
  sql<ResourceRow>`SELECT ${resourceColumns(sql, k)} FROM ${sql(k.resourceTable)} WHERE id = ${id}`

/** Operator listing, paged by id (SPEC 7.2 `fm alert list`): an index range scan. */
export const listResources = (sql: Sql, k: SqlKind, after: string | undefined, limit: number) =>
  after === undefined
    ? sql<ResourceRow>`SELECT ${resourceColumns(sql, k)} FROM ${sql(k.resourceTable)} ORDER BY id LIMIT ${limit}`
    : sql<ResourceRow>`SELECT ${resourceColumns(sql, k)} FROM ${sql(k.resourceTable)}
        WHERE id > ${after} ORDER BY id LIMIT ${limit}`

/** The delete's one read (SPEC 3.2), locking what it will change. */
export const lockMarker = (sql: Sql, k: SqlKind, id: string) =>
  sql<MarkerRow>`SELECT resource_id, created_at_generation, time_created, time_deleted, deleted_by, dropped_at_generation
    FROM ${sql(k.markerTable)} WHERE resource_id = ${id} FOR UPDATE`

export const lockResource = (sql: Sql, k: SqlKind, id: string) =>
  sql<ResourceRow>`SELECT ${resourceColumns(sql, k)} FROM ${sql(k.resourceTable)} WHERE id = ${id} FOR UPDATE`

export const deleteResourceRow = (sql: Sql, k: SqlKind, id: string) =>
  sql`DELETE FROM ${sql(k.resourceTable)} WHERE id = ${id}`

export const setResourceState = (sql: Sql, k: SqlKind, id: string, state: string) =>
  sql`UPDATE ${sql(k.resourceTable)} SET state = ${state} WHERE id = ${id}`

/** Stamps the tombstone; a second delete keeps the first time and actor (SPEC 3.2). */
export const stampMarker = (sql: Sql, k: SqlKind, id: string, now: Date, actor: string) =>
  sql`UPDATE ${sql(k.markerTable)}
    SET time_deleted = COALESCE(time_deleted, ${now}),
        deleted_by = CASE WHEN time_deleted IS NULL THEN ${actor} ELSE deleted_by END
    WHERE resource_id = ${id}`

/**
 * What the tombstone a delete writes for a row without a marker is judged from (issue 18, domain
 * `tombstoneFor`), ONE statement: the kind's current generation and whether the current sitrep
 * requests the id (its lineage row, joined by its primary key alone so that no plan can read the
 * kind's rows by generation instead, carried at that generation), both under the one pointer read. On the PostgreSQL profile that pointer is locked FOR SHARE, as in
 * the guarded insert: a publish waits for the delete, so the publish that drops the id sees the
 * tombstone and marks it. The CockroachDB profile takes no shared lock (docs/SQL.md): the delete
 * runs SERIALIZABLE on both profiles, so there a publish racing it conflicts with it instead and
 * one of the two is re-run.
 */
export const selectTombstoneBasis = (sql: Sql, k: SqlKind, id: string, profile: Pick<Profile, "shareLock">) =>
  sql<{ generation: bigint | null; requested: boolean }>`WITH
    head AS (SELECT sitrep_id FROM sitrep_current WHERE singleton${profile.shareLock ? sql` FOR SHARE` : sql``})
    SELECT g.generation, COALESCE(${carriedAt(sql, "r", sql`g.generation`)}, FALSE) AS requested
    FROM (SELECT 1 AS one) AS one
    LEFT JOIN sitrep_generation g ON g.sitrep_id = (SELECT sitrep_id FROM head) AND g.kind = ${k.kind.name}
    LEFT JOIN lineage_request r ON r.kind = ${k.kind.name} AND r.id = ${id}`

/** Writes the tombstone of a row FM did not create (issue 18); the delete's lock on the id makes a conflict impossible. */
export const insertTombstone = (sql: Sql, k: SqlKind, m: Marker) =>
  sql`INSERT INTO ${sql(k.markerTable)}
      (resource_id, created_at_generation, time_created, time_deleted, deleted_by, dropped_at_generation)
    VALUES (${m.resourceId}, ${m.createdAtGeneration}, ${m.timeCreated}, ${m.timeDeleted}, ${m.deletedBy}, ${m.droppedAtGeneration})
    ON CONFLICT (resource_id) DO NOTHING`

export const updateUserComment = (sql: Sql, k: SqlKind, column: string, id: string, comment: string) =>
  sql<{ id: string }>`UPDATE ${sql(k.resourceTable)} SET ${sql(column)} = ${comment} WHERE id = ${id} RETURNING id`

/** The collector (SPEC 3.2): a bounded page of rows in the destroying state, by the state index. */
export const finishDestroyingPage = (sql: Sql, k: SqlKind, destroying: string, limit: number) =>
  sql<{ id: string }>`DELETE FROM ${sql(k.resourceTable)} WHERE id IN (
      SELECT id FROM ${sql(k.resourceTable)} WHERE state = ${destroying} ORDER BY id LIMIT ${limit}
    )
    RETURNING id`
