import { type AddedRequest, type CaseHeader, type Generation, type KindName, requestDigest, type SitrepId, type SitrepToPublish } from "@fm-rendezvous/domain"
import { hash } from "node:crypto"
import type { SqlClient } from "effect/sql"
import type { Fragment } from "effect/sql/Statement"
import type { SqlKind } from "./kind.ts"
import { boolArray, int4Array, int8Array, textArray } from "./params.ts"
import { SENTINELS, sentinel } from "./sentinel.ts"

/**
 * Statement builders for the sitrep tables (SPEC 3.5). Production and the EXPLAIN tests build
 * every statement through these functions, so the plan under test is the plan that runs.
 */
type Sql = SqlClient.SqlClient

export const insertSitrep = (sql: Sql, s: Omit<SitrepToPublish, "cases">) =>
  sql<{ id: string }>`INSERT INTO sitrep (id, parent_id, creator_id, time_created, comment)
    VALUES (${s.id}, ${s.parentId}, ${s.creatorId}, ${s.timeCreated}, ${s.comment})
    ON CONFLICT (id) DO NOTHING
    RETURNING id`

/** Issue 25.4: who published the sitrep (the grant's actor), in the publish's transaction. */
export const insertPublisher = (sql: Sql, id: SitrepId, publishedBy: string) =>
  sql`INSERT INTO sitrep_publisher (sitrep_id, published_by) VALUES (${id}, ${publishedBy})
    ON CONFLICT (sitrep_id) DO NOTHING`

export const insertGenerations = (sql: Sql, id: SitrepId, generations: Readonly<Record<string, Generation>>) => {
  const kinds = Object.keys(generations)
  return sql`INSERT INTO sitrep_generation (sitrep_id, kind, generation)
    SELECT CAST(${id} AS UUID), g.kind, g.generation
    FROM unnest(${textArray(kinds)}::text[], ${int8Array(kinds.map((k) => generations[k]))}::int8[]) AS g(kind, generation)`
}

/** A sitrep's cases as `insertCases` writes them: a whole sitrep's, each listing the kinds of its requests. */
export const caseHeaders = (s: SitrepToPublish): ReadonlyArray<CaseHeader> =>
  s.cases.map(({ requests, ...c }) => ({ ...c, requestKinds: Object.keys(requests) as Array<KindName> }))

export const insertCases = (sql: Sql, sitrepId: SitrepId, cases: ReadonlyArray<CaseHeader>) =>
  sql`INSERT INTO sitrep_case (sitrep_id, position, id, comment, closed, first_sitrep_id, closed_sitrep_id, request_kinds)
    SELECT CAST(${sitrepId} AS UUID), c.position, c.id::uuid, c.comment, c.closed, c.first_sitrep_id::uuid, c.closed_sitrep_id::uuid,
           c.request_kinds::jsonb
    FROM unnest(
      ${int4Array(cases.map((_, i) => i))}::int4[], ${textArray(cases.map((c) => c.id))}::text[],
      ${textArray(cases.map((c) => c.comment))}::text[], ${boolArray(cases.map((c) => c.closed))}::bool[],
      ${textArray(cases.map((c) => c.firstSitrepId))}::text[], ${textArray(cases.map((c) => c.closedSitrepId))}::text[],
      ${textArray(cases.map((c) => JSON.stringify(c.requestKinds)))}::text[]
    ) AS c(position, id, comment, closed, first_sitrep_id, closed_sitrep_id, request_kinds)`

/**
 * A request as stored once per lineage (issue 19): `lineage_request (kind, id)` with the
 * generation of its kind it entered at and, once a publish drops it, the generation that dropped
 * it. `position` is its index in its case's list of its kind in the document that added it; with
 * the entry generation it defines the order of requests within a case (docs/SQL.md).
 */
export interface RequestRow {
  readonly kind: string
  readonly id: string
  readonly position: number
  readonly caseId: string
  readonly body: string
  readonly digest: string
  readonly enteredAt: Generation
}

/** Node's SHA-256, lowercase hex (one-shot `hash`, cheaper than a `createHash` object per text). */
export const sha256Hex = (text: string): string => hash("sha256", text, "hex")

/** The domain's digest rule (`requestDigest`) with Node's SHA-256: every stored digest is computed by it. */
export const digestOf = requestDigest(sha256Hex)

/**
 * The requests a child adds to the lineage: those entered above the parent's generation of their
 * kind (a carried request keeps its entry generation, at most the parent's; an added one enters
 * at the child's, which bumped). Everything else is carried and written nowhere.
 */
export const addedRequestRows = (
  s: SitrepToPublish,
  parentGenerations: Readonly<Record<string, Generation>>
): ReadonlyArray<RequestRow> =>
  s.cases.flatMap((c) =>
    Object.entries(c.requests).flatMap(([kind, requests]) =>
      requests.flatMap((r, position) => {
        const parent = parentGenerations[kind]
        return parent !== undefined && r.enteredAt <= parent
          ? []
          : [{ kind, id: r.id, position, caseId: r.caseId, body: JSON.stringify(r.body), digest: digestOf(r.body), enteredAt: r.enteredAt }]
      })
    )
  )

/** The rows of the requests a change adds (`planDelta`): each at its position among those its case gains. */
export const changeRequestRows = (added: ReadonlyArray<AddedRequest>): ReadonlyArray<RequestRow> =>
  added.map(({ kind, request: r, position }) => ({
    kind,
    id: r.id,
    position,
    caseId: r.caseId,
    body: JSON.stringify(r.body),
    digest: digestOf(r.body),
    enteredAt: r.enteredAt
  }))

/**
 * Adds requests to the lineage, ONE statement. An id already stored (an id that reappeared, or a
 * publish from the same parent that committed first) inserts nothing for that row and the caller
 * aborts: every named row must be returned.
 */
export const insertRequests = (sql: Sql, rows: ReadonlyArray<RequestRow>) =>
  sql<{ id: string }>`INSERT INTO lineage_request (kind, id, entered_at_generation, dropped_at_generation, case_id, position, body, digest)
    SELECT r.kind, r.id::uuid, r.entered_at_generation, NULL, r.case_id::uuid, r.position, r.body::jsonb, r.digest
    FROM unnest(
      ${textArray(rows.map((r) => r.kind))}::text[], ${textArray(rows.map((r) => r.id))}::text[],
      ${int8Array(rows.map((r) => r.enteredAt))}::int8[], ${textArray(rows.map((r) => r.caseId))}::text[],
      ${int4Array(rows.map((r) => r.position))}::int4[], ${textArray(rows.map((r) => r.body))}::text[],
      ${textArray(rows.map((r) => r.digest))}::text[]
    ) AS r(kind, id, entered_at_generation, case_id, position, body, digest)
    ON CONFLICT (kind, id) DO NOTHING
    RETURNING id`

/**
 * A kind the child no longer has (a release without it, issue 18) leaves the sitreps with all its
 * carried requests: their interval ends at the generation after the parent's, which is where the
 * kind continues if it comes back (it never goes back below its highest), so no later version
 * carries them by the interval rule. ONE statement; as many rows as the kind had.
 */
export const dropKindRequests = (sql: Sql, kind: string, parentGeneration: Generation) =>
  sql`UPDATE lineage_request SET dropped_at_generation = ${parentGeneration + 1n}
    WHERE kind = ${kind} AND dropped_at_generation IS NULL`

/**
 * Ends the interval of the requests a publish drops, ONE statement per kind: each named row must
 * be carried (entered below the dropping generation, not dropped yet), so the caller aborts
 * unless every named id is returned (a lost race with a publish from the same parent, which
 * holds the rows' locks until it commits and then has dropped them).
 */
export const dropRequests = (sql: Sql, kind: string, generation: Generation, ids: ReadonlyArray<string>) =>
  sql<{ id: string }>`UPDATE lineage_request SET dropped_at_generation = ${generation}
    WHERE kind = ${kind} AND id = ANY(${textArray(ids)}::uuid[])
      AND dropped_at_generation IS NULL AND entered_at_generation < ${generation}
    RETURNING id`

/**
 * SPEC 3.4: mark the markers of the ids a publish drops with the generation that dropped them,
 * ONE statement per kind and generation, run in the publish transaction AFTER the history CAS.
 * The order matters at READ COMMITTED: a guarded creation of a dropped id still in flight holds
 * the current-sitrep pointer FOR SHARE until it commits, and the CAS locks that pointer, so it
 * waits for the creation; this UPDATE is a later statement with a new snapshot, and sees the
 * marker the creation committed (docs/SQL.md). An id without a marker has nothing to collect and
 * is not recorded. An id is dropped once in a lineage; `IS NULL` keeps the first mark anyway.
 */
export const markDropped = (sql: Sql, k: SqlKind, generation: Generation, ids: ReadonlyArray<string>) =>
  sql`UPDATE ${sql(k.markerTable)} SET dropped_at_generation = ${generation}
    WHERE resource_id = ANY(${textArray(ids)}::uuid[]) AND dropped_at_generation IS NULL`

/**
 * The history compare-and-swap of SPEC 2, ONE statement, run last in the publish transaction.
 * `moved` advances the current pointer only if it names the parent (an upsert: with no parent it
 * creates the pointer at version 1, and finds it taken if history is not empty). Its row lock
 * makes a concurrent publish wait and then fail the re-checked WHERE; it also waits for guarded
 * creations holding the pointer FOR SHARE. The sentinel aborts the statement, and with it the
 * transaction, when the pointer did not move, or moved to version 1 for a sitrep that names a
 * parent (history was empty). Then the history row of the new version is appended.
 */
export const casHistory = (sql: Sql, id: SitrepId, parentId: SitrepId | null) =>
  sql<{ version: bigint }>`WITH moved AS (
      INSERT INTO sitrep_current (singleton, version, sitrep_id) VALUES (TRUE, 1, ${id})
      ON CONFLICT (singleton) DO UPDATE SET version = sitrep_current.version + 1, sitrep_id = excluded.sitrep_id
      WHERE sitrep_current.sitrep_id = ${parentId}
      RETURNING version
    )
    INSERT INTO sitrep_history (version, sitrep_id)
    SELECT moved.version, ${id} FROM moved
    WHERE ${
    sentinel(
      sql,
      sql`EXISTS (SELECT 1 FROM moved)
        AND ((SELECT version FROM moved) = 1) = (CAST(${parentId} AS UUID) IS NULL)`,
      SENTINELS.parentNotCurrent
    )}
    ON CONFLICT (version) DO NOTHING
    RETURNING version`

/**
 * The current sitrep's header without its cases: one index lookup on the current history row. The
 * generations are looked up by the current id through a scalar subquery, not `ON g.sitrep_id =
 * h.sitrep_id`, which PostgreSQL planned as a merge join over all of sitrep_generation (caught by
 * the EXPLAIN test's index-condition rule).
 */
export const selectCurrentHeader = (sql: Sql) =>
  sql<{ version: bigint; sitrep_id: string; kind: string | null; generation: bigint | null }>`
    SELECT h.version, h.sitrep_id, g.kind, g.generation
    FROM sitrep_current h LEFT JOIN sitrep_generation g
      ON g.sitrep_id = (SELECT c.sitrep_id FROM sitrep_current c WHERE c.singleton)
    WHERE h.singleton`

export interface HistoryRow {
  readonly version: bigint
  readonly sitrep_id: string
}

export const selectCurrentVersion = (sql: Sql) =>
  sql<HistoryRow>`SELECT version, sitrep_id FROM sitrep_current WHERE singleton`

export const selectVersion = (sql: Sql, version: number) =>
  sql<HistoryRow>`SELECT version, sitrep_id FROM sitrep_history WHERE version = ${BigInt(version)}`

export const selectSitrep = (sql: Sql, id: string) =>
  sql<{ id: string; parent_id: string | null; creator_id: string; published_by: string | null; time_created: Date; comment: string }>`
    SELECT s.id, s.parent_id, s.creator_id, p.published_by, s.time_created, s.comment
    FROM sitrep s LEFT JOIN sitrep_publisher p ON p.sitrep_id = s.id WHERE s.id = ${id}`

export const selectGenerations = (sql: Sql, id: string) =>
  sql<{ kind: string; generation: bigint }>`SELECT kind, generation FROM sitrep_generation WHERE sitrep_id = ${id}`

export const selectCases = (sql: Sql, id: string) =>
  sql<{
    position: number
    id: string
    comment: string
    closed: boolean
    first_sitrep_id: string
    closed_sitrep_id: string | null
    request_kinds: ReadonlyArray<string>
  }>`SELECT position, id, comment, closed, first_sitrep_id, closed_sitrep_id, request_kinds
    FROM sitrep_case WHERE sitrep_id = ${id} ORDER BY position`

/**
 * The interval rule, said once (docs/SQL.md, "The interval rule"): the lineage row aliased
 * `alias` is carried by a version whose generation of the row's kind is `generation` (a column,
 * a parameter or a scalar subquery). Every statement that asks "carried at G" writes this fragment.
 */
export const carriedAt = (sql: Sql, alias: "r", generation: Fragment) => {
  const a = sql.literal(alias)
  return sql`${a}.entered_at_generation <= ${generation}
      AND (${a}.dropped_at_generation IS NULL OR ${a}.dropped_at_generation > ${generation})`
}

export interface LineageRequestRow {
  readonly kind: string
  readonly id: string
  readonly case_id: string
  readonly body: Record<string, unknown>
  readonly entered_at_generation: bigint
}

/**
 * A version's requests (the interval rule): per kind of the sitrep, the rows entered at or below
 * its generation and not dropped at or below it, in the defined order (entry generation, then
 * position), read through `lineage_request_by_entry`. Rows the lineage dropped before that
 * generation are read and filtered: as many as retained history has drops.
 */
export const selectRequests = (sql: Sql, id: string) =>
  sql<LineageRequestRow>`
    SELECT r.kind, r.id, r.case_id, r.body, r.entered_at_generation
    FROM sitrep_generation g
    JOIN lineage_request r ON r.kind = g.kind AND ${carriedAt(sql, "r", sql`g.generation`)}
    WHERE g.sitrep_id = ${id}
    ORDER BY r.kind, r.entered_at_generation, r.position`

/** A carried request without its body (issue 19); the body only where no digest was stored (rows the migration moved). */
export interface OutlineRow {
  readonly kind: string
  readonly id: string
  readonly case_id: string
  readonly entered_at_generation: bigint
  readonly position: number
  readonly digest: string | null
  readonly body: Record<string, unknown> | null
}

/**
 * A version's requests without their bodies (the outline a full document's publish checks against,
 * issue 19): the rows and order of `selectRequests`, through the same index, with the digest
 * instead of the body. A row the migration moved has no digest; its body is read instead, and
 * digested by the reader.
 */
export const selectOutline = (sql: Sql, id: string) =>
  sql<OutlineRow>`
    SELECT r.kind, r.id, r.case_id, r.entered_at_generation, r.position, r.digest,
      CASE WHEN r.digest IS NULL THEN r.body END AS body
    FROM sitrep_generation g
    JOIN lineage_request r ON r.kind = g.kind AND ${carriedAt(sql, "r", sql`g.generation`)}
    WHERE g.sitrep_id = ${id}
    ORDER BY r.kind, r.entered_at_generation, r.position`

/**
 * Of `ids`, the requests a version carries, of any of its kinds (what a delta touches, issue 19):
 * per kind of the version, primary-key lookups of (kind, id); as many rows as ids it carries.
 */
export const selectCarriedByIds = (sql: Sql, id: string, ids: ReadonlyArray<string>) =>
  sql<OutlineRow>`
    SELECT r.kind, r.id, r.case_id, r.entered_at_generation, r.position, r.digest,
      CASE WHEN r.digest IS NULL THEN r.body END AS body
    FROM sitrep_generation g
    JOIN lineage_request r ON r.kind = g.kind AND r.id = ANY(${textArray(ids)}::uuid[])
    WHERE g.sitrep_id = ${id} AND ${carriedAt(sql, "r", sql`g.generation`)}`

/**
 * What an executor holding generation `from` of a kind reads to move to `to` (issue 19): the
 * requests that entered in between and are still carried at `to`. Reads only those rows.
 */
export const selectEnteredBetween = (sql: Sql, kind: string, from: Generation, to: Generation) =>
  sql<LineageRequestRow>`
    SELECT r.kind, r.id, r.case_id, r.body, r.entered_at_generation FROM lineage_request r
    WHERE r.kind = ${kind} AND r.entered_at_generation > ${from} AND ${carriedAt(sql, "r", sql`${to}`)}
    ORDER BY r.entered_at_generation, r.position`

/** And the held requests the publishes in between dropped, through the partial index of drops. */
export const selectDroppedBetween = (sql: Sql, kind: string, from: Generation, to: Generation) =>
  sql<{ id: string }>`
    SELECT r.id FROM lineage_request r
    WHERE r.kind = ${kind} AND r.dropped_at_generation IS NOT NULL
      AND r.dropped_at_generation > ${from} AND r.dropped_at_generation <= ${to}
      AND r.entered_at_generation <= ${from}`

/**
 * How a held count of a kind's requests moves from generation `from` to `to` (issue 19, the
 * executor's `currentHeld`): the rows that entered in between and are still carried at `to`,
 * through `lineage_request_by_entry`, and the rows carried at `from` that were dropped in
 * between, through the partial index of drops. ONE statement, reading O(Delta) index entries;
 * with `from` = 0 (the first load) the first count is every request carried at `to`.
 */
export const selectCountMove = (sql: Sql, kind: string, from: Generation, to: Generation) =>
  sql<{ entered: bigint | number | string; dropped: bigint | number | string }>`SELECT
    (SELECT count(*) FROM lineage_request r
      WHERE r.kind = ${kind} AND r.entered_at_generation > ${from} AND ${carriedAt(sql, "r", sql`${to}`)}) AS entered,
    (SELECT count(*) FROM lineage_request r
      WHERE r.kind = ${kind} AND r.dropped_at_generation IS NOT NULL
        AND r.dropped_at_generation > ${from} AND r.dropped_at_generation <= ${to}
        AND r.entered_at_generation <= ${from}) AS dropped`

export interface HeldRequestRow {
  readonly id: string
  readonly case_id: string
  readonly body: Record<string, unknown>
  readonly entered_at_generation: bigint
  readonly position: number
}

/** The first key of `selectHeldRequestsPage`'s order: below every stored row. */
export const FIRST_HELD_KEY = { position: -1, id: "00000000-0000-0000-0000-000000000000" } as const

/**
 * ONE page of what an activation executes (issue 19, `heldRequests`): the requests of a kind
 * carried at generation `to` that entered after `after`, in the order (entry generation,
 * position, id), after the key of the previous page's last row (`FIRST_HELD_KEY` at `after` for
 * the first). Through `lineage_request_by_entry`: a page after a publish reads the Delta rows
 * that entered, a full execution walks the kind's rows a page at a time.
 */
export const selectHeldRequestsPage = (
  sql: Sql,
  kind: string,
  after: Generation,
  to: Generation,
  key: { readonly enteredAt: Generation; readonly position: number; readonly id: string },
  limit: number
) =>
  sql<HeldRequestRow>`
    SELECT r.id, r.case_id, r.body, r.entered_at_generation, r.position FROM lineage_request r
    WHERE r.kind = ${kind} AND r.entered_at_generation > ${after} AND ${carriedAt(sql, "r", sql`${to}`)}
      AND (r.entered_at_generation, r.position, r.id) > (${key.enteredAt}, ${key.position}, CAST(${key.id} AS UUID))
    ORDER BY r.entered_at_generation, r.position, r.id
    LIMIT ${limit}`

/**
 * Pruning (SPEC 3.5): ONE page of the rows of a kind no retained version carries, those dropped
 * at or below the oldest retained version's generation of the kind (retained history is a suffix
 * of the lineage, so every retained version has at least that generation). No history: nothing.
 */
export const pruneRequestsPage = (sql: Sql, kind: string, pageSize: number) =>
  sql<{ id: string }>`DELETE FROM lineage_request WHERE kind = ${kind} AND id IN (
      SELECT r.id FROM lineage_request r
      WHERE r.kind = ${kind} AND r.dropped_at_generation IS NOT NULL
        AND r.dropped_at_generation <= (
          SELECT g.generation FROM sitrep_generation g
          WHERE g.kind = ${kind}
            AND g.sitrep_id = (SELECT h.sitrep_id FROM sitrep_history h ORDER BY h.version LIMIT 1)
        )
      ORDER BY r.dropped_at_generation, r.id LIMIT ${pageSize}
    )
    RETURNING id`

/**
 * Whether the current sitrep requests one id of one kind (`fm explain`): the primary-key lookup
 * of (kind, id) and the current generation of the kind, whatever the size of the sitrep or history.
 */
export const selectCurrentRequests = (sql: Sql, kind: string, id: string) =>
  sql<{ found: number }>`SELECT 1 AS found FROM lineage_request r
    JOIN sitrep_generation g ON g.kind = r.kind
      AND g.sitrep_id = (SELECT sitrep_id FROM sitrep_current WHERE singleton)
    WHERE r.kind = ${kind} AND r.id = ${id} AND ${carriedAt(sql, "r", sql`g.generation`)}`

/**
 * SPEC 2 (ids never reappear), as far as detectable (SPEC 7.1): every lookup is by index, on the
 * lineage's requests (a row stays while a retained version carries it) and on markers. An id whose sitreps were pruned and whose marker was
 * collected (or never written) is no longer known.
 */
export const selectKnownIds = (sql: Sql, k: SqlKind, ids: ReadonlyArray<string>) =>
  sql<{ id: string }>`SELECT q.id FROM unnest(${textArray(ids)}::uuid[]) AS q(id)
    WHERE EXISTS (SELECT 1 FROM lineage_request r WHERE r.kind = ${k.kind.name} AND r.id = q.id)
       OR EXISTS (SELECT 1 FROM ${sql(k.markerTable)} m WHERE m.resource_id = q.id)`

/**
 * One page of history pruning (SPEC 3.5): the oldest versions beyond the newest `keep`. The
 * current version is never removed, whatever `keep` is.
 */
export const pruneHistoryPage = (sql: Sql, keep: number, pageSize: number) =>
  sql<{ sitrep_id: string }>`DELETE FROM sitrep_history WHERE version IN (
      SELECT version FROM sitrep_history
      WHERE version <= (SELECT version FROM sitrep_current WHERE singleton) - ${BigInt(keep)}
        AND version < (SELECT version FROM sitrep_current WHERE singleton)
      ORDER BY version LIMIT ${pageSize}
    )
    RETURNING sitrep_id`

/** The sitreps that just left history, with their children; one statement per table. */
export const deleteSitrepRows = (sql: Sql, table: "sitrep_generation" | "sitrep_case" | "sitrep_publisher", ids: ReadonlyArray<string>) =>
  sql`DELETE FROM ${sql(table)} WHERE sitrep_id = ANY(${textArray(ids)}::uuid[])`

export const deleteSitreps = (sql: Sql, ids: ReadonlyArray<string>) =>
  sql`DELETE FROM sitrep WHERE id = ANY(${textArray(ids)}::uuid[])`

export const selectHistoryRange = (sql: Sql) =>
  sql<{ oldest: bigint | null; newest: bigint | null }>`SELECT
    (SELECT version FROM sitrep_history ORDER BY version ASC LIMIT 1) AS oldest,
    (SELECT version FROM sitrep_history ORDER BY version DESC LIMIT 1) AS newest`

/**
 * The history version a sitrep became, if it did: how an ambiguous publish (SQLSTATE 40003, or a
 * connection lost at COMMIT) is resolved. One lookup on the unique index of `sitrep_id`.
 */
export const selectHistoryVersionOf = (sql: Sql, id: string) =>
  sql<{ version: bigint }>`SELECT version FROM sitrep_history WHERE sitrep_id = ${id}`

export const selectSitrepExists = (sql: Sql, id: string) =>
  sql<{ found: number }>`SELECT 1 AS found FROM sitrep WHERE id = ${id}`
