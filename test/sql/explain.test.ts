import { assert, describe, expect, layer } from "@effect/vitest"
import type { CandidateCursor, Generation, Request, SitrepId } from "@fm-rendezvous/domain"
import { coreTrack, type Profile, profileOf, SqlProfile } from "@fm-rendezvous/adapters-sql"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import type { Statement } from "effect/sql/Statement"
import * as B from "../../packages/adapters-sql/src/backlog.ts"
import * as M from "../../packages/adapters-sql/src/markers.ts"
import * as P from "../../packages/adapters-sql/src/progress.ts"
import * as R from "../../packages/adapters-sql/src/resources.ts"
import * as S from "../../packages/adapters-sql/src/sitreps.ts"
import * as H from "../../packages/adapters-sql/src/sitrepHistory.ts"
import * as T from "../../packages/adapters-sql/src/tokenStore.ts"
import * as AU from "../../packages/adapters-sql/src/audit.ts"
import * as L from "../../packages/adapters-sql/src/executorLeases.ts"
import type { SqlKind } from "../../packages/adapters-sql/src/kind.ts"
import { testDatabaseLayer } from "../support/postgres.ts"
import { allKinds, freshSqlLayer } from "./fixtures.ts"
import { atCoreV3WithRequests } from "./legacyRequests.ts"
import { conditionsOn, explain, planText, scans, scansUnbounded, unboundedScans, usesIndex } from "./plans.ts"

/**
 * SPEC 3.4 and 5: no periodic or operator query scans a table. Each statement is built by the
 * builder production calls, explained on the server at hand (PostgreSQL, or CockroachDB when
 * DATABASE_URL points at one), and read by the one plan reader (plans.ts): on PostgreSQL with
 * `enable_seqscan = off`, so even the small tables of a test show the index plan if there is one.
 * A plan passes when every table read shows an index condition (PostgreSQL) or constrained spans
 * (CockroachDB); `enable_seqscan = off` turns a would-be Seq Scan into a full index scan, which
 * the reader refuses as well. The few reviewed exceptions are `allowances` below.
 */
type Sql = SqlClient.SqlClient
const id = "00000000-0000-4000-8000-000000000001"
const sitrepId = id as SitrepId
const held = 3n as Generation
const cursor: CandidateCursor = { generation: 2n as Generation, id: id as never }
const now = new Date(0)
// One body that every test kind's `resourceFields` can read.
const request = (): Request => ({ id: id as never, caseId: id as never, body: { class: "c", payload: {}, reason: "r", size: 3 } })

/**
 * The few statements allowed to read a table without an index condition, by name, each for a
 * reason a reviewer can check; every other statement's plan must show an index condition
 * (PostgreSQL) or constrained spans (CockroachDB) on every read. An allowance names the tables
 * and indexes it may read unbounded, and must be needed: a plan that no longer reads them fails.
 *  - `first rows`: the first page of an ordered read (lowest ids, oldest version, newest
 *    version). The unbounded reads must be index reads with no filter (a `Filter:` line, a `• filter`
 *    parent: nothing read is thrown
 *    away) in a plan with a `Limit`, so the read stops after the page.
 *  - `one row per kind`: `execution_progress` and `activation_report` hold a row per kind and
 *    step or per process, never per resource; `executor_lease` a row per executor name.
 *  - `the backlog`: the gauge counts the markers awaiting collection: it reads the partial
 *    candidate index whole, by design (bounded by the backlog, not the table).
 */
type Allowance = { readonly why: "first rows" | "one row per kind" | "the backlog"; readonly reads: ReadonlyArray<string> }
const allowances = (k: SqlKind | null): Readonly<Record<string, Allowance>> => {
  const first = (...reads: ReadonlyArray<string>): Allowance => ({ why: "first rows", reads })
  return {
    ...(k === null ? {} : {
      "resource list, first page": first(k.resourceTable),
      "reconciliation, first page": first(k.markerTable),
      "gauge: oldest marker awaiting collection": first(k.markerTable, "sitrep_history"),
      "gauge: markers awaiting collection": { why: "the backlog", reads: [k.markerTable, k.candidateIndex] }
    }),
    "history range": first("sitrep_history"),
    "prune: requests no retained version carries": first("sitrep_history"),
    // The page's "after the last one moved": the largest key of lineage_request, ORDER BY ... DESC LIMIT 1.
    "migration: move a page of requests into lineage_request": first("lineage_request"),
    "api: history page, first": first("sitrep_history"),
    "audit: newest page": first("fm_audit"),
    "progress read": { why: "one row per kind", reads: ["execution_progress"] },
    "reports": { why: "one row per kind", reads: ["activation_report"] },
    "status: executor leases": { why: "one row per kind", reads: ["executor_lease"] }
  }
}

/** Explains each statement; names every statement whose plan reads a table without a condition it is not allowed. */
const refusals = (sql: Sql, k: SqlKind | null, statements: ReadonlyArray<readonly [string, Statement<unknown>]>) =>
  Effect.gen(function*() {
    const server = (yield* SqlProfile).server
    const allowed = allowances(k)
    const refused: Array<string> = []
    for (const [name, statement] of statements) {
      const label = k === null ? name : `${k.kind.name} ${name}`
      const { plan } = yield* explain(sql, server, statement)
      const unbounded = unboundedScans(plan)
      const allowance = allowed[name]
      const shapeHolds = allowance?.why !== "first rows" ||
        (plan.lines.some((l) => /\bLimit\b|^\s*limit: \d/.test(l)) &&
          scans(plan).every((s) => s.constrained || (s.index !== "" && s.table !== "" && !s.filtered)))
      if (allowance === undefined ? unbounded.length > 0 : unbounded.length === 0 || !unbounded.every((t) => allowance.reads.includes(t)) || !shapeHolds) {
        refused.push(`${label} reads ${unbounded.join(", ") || "nothing"} without an index condition (allowed: ${allowance === undefined ? "none" : `${allowance.why}: ${allowance.reads.join(", ")}`}):\n${planText(plan)}`)
      }
    }
    return refused
  })

/** Fails once, naming every refused statement. */
const allBounded = (sql: Sql, k: SqlKind | null, statements: ReadonlyArray<readonly [string, Statement<unknown>]>) =>
  Effect.gen(function*() {
    const refused = yield* refusals(sql, k, statements)
    assert.deepStrictEqual(refused, [], refused.join("\n\n"))
  })

/** Every statement a periodic task (executor, sweeper, publisher, pruner) or an operator runs, per kind. */
const perKind = (sql: Sql, k: SqlKind, profile: Pick<Profile, "shareLock">): ReadonlyArray<readonly [string, Statement<unknown>]> => [
  ["guarded batch insert", R.createGuardedBatch(sql, k, held, [request(), { ...request(), id: "00000000-0000-4000-8000-000000000002" as never }], now, profile)],
  ["resource get", R.selectResource(sql, k, id)],
  ["resource list, first page", R.listResources(sql, k, undefined, 50)],
  ["resource list, next page", R.listResources(sql, k, id, 50)],
  ["delete: lock marker", R.lockMarker(sql, k, id)],
  ["delete: lock row", R.lockResource(sql, k, id)],
  ["delete: remove row", R.deleteResourceRow(sql, k, id)],
  ["delete: stamp tombstone", R.stampMarker(sql, k, id, now, "alice")],
  ["delete: the tombstone's generation and whether the current sitrep requests the id", R.selectTombstoneBasis(sql, k, id, profile)],
  ["delete: write a tombstone", R.insertTombstone(sql, k, {
    kind: k.kind.name,
    resourceId: id as never,
    createdAtGeneration: held,
    timeCreated: now,
    timeDeleted: now,
    deletedBy: "alice",
    droppedAtGeneration: null
  })],
  ...(k.kind.lifecycle === null ? [] : [
    ["delete: begin destroying", R.setResourceState(sql, k, id, "destroying")] as const,
    ["collector: finish destroying", R.finishDestroyingPage(sql, k, "destroying", 100)] as const
  ]),
  ...(k.columns.some((c) => c.field === "userComment")
    ? [["operator comment", R.updateUserComment(sql, k, "user_comment", id, "hi")] as const]
    : []),
  ["marker get", M.selectMarker(sql, k, id)],
  ["candidate sweep, first page", M.sweepCandidatesPage(sql, k, sitrepId, null, 100)],
  ["candidate sweep, next page", M.sweepCandidatesPage(sql, k, sitrepId, cursor, 100)],
  ["reconciliation, first page", M.reconcileMarkersPage(sql, k, sitrepId, null, 100)],
  ["reconciliation, next page", M.reconcileMarkersPage(sql, k, sitrepId, id, 100)],
  ["publish: mark dropped markers", S.markDropped(sql, k, held, [id, "00000000-0000-4000-8000-000000000002"])],
  ["publish: known request ids", S.selectKnownIds(sql, k, [id])],
  ["gauge: markers awaiting collection", B.countAwaiting(sql, k)],
  ["gauge: oldest marker awaiting collection", B.selectOldestDroppedAt(sql, k)]
]

const shared = (sql: Sql): ReadonlyArray<readonly [string, Statement<unknown>]> => [
  ["publish: history CAS", S.casHistory(sql, sitrepId, sitrepId)],
  ["publish: first history CAS", S.casHistory(sql, sitrepId, null)],
  ["current header", S.selectCurrentHeader(sql)],
  ["current version", S.selectCurrentVersion(sql)],
  ["version lookup", S.selectVersion(sql, 3)],
  ["sitrep row", S.selectSitrep(sql, id)],
  ["sitrep generations", S.selectGenerations(sql, id)],
  ["sitrep cases", S.selectCases(sql, id)],
  ["sitrep requests", S.selectRequests(sql, id)],
  ["publish: the parent's outline, without bodies", S.selectOutline(sql, id)],
  ["publish: the carried requests a delta touches", S.selectCarriedByIds(sql, id, [id, "00000000-0000-4000-8000-000000000002"])],
  ["prune: history page", S.pruneHistoryPage(sql, 10, 100)],
  ["publish: add requests", S.insertRequests(sql, [{ kind: "alert", id, position: 0, caseId: id, body: "{}", digest: "d", enteredAt: held }])],
  ["publish: a kind leaves with its requests", S.dropKindRequests(sql, "alert", held)],
  ["publish: drop requests", S.dropRequests(sql, "alert", held, [id, "00000000-0000-4000-8000-000000000002"])],
  ["move: requests entered between two generations", S.selectEnteredBetween(sql, "alert", 2n as Generation, held)],
  ["move: requests dropped between two generations", S.selectDroppedBetween(sql, "alert", 2n as Generation, held)],
  ["held: count of a move between two generations", S.selectCountMove(sql, "alert", 2n as Generation, held)],
  ["held: count at the first load", S.selectCountMove(sql, "alert", 0n as Generation, held)],
  ["held: requests to execute, first page", S.selectHeldRequestsPage(sql, "alert", 2n as Generation, held, { enteredAt: 2n as Generation, ...S.FIRST_HELD_KEY }, 5000)],
  ["held: requests to execute, next page", S.selectHeldRequestsPage(sql, "alert", 0n as Generation, held, { enteredAt: held, position: 7, id }, 5000)],
  ["prune: requests no retained version carries", S.pruneRequestsPage(sql, "alert", 100)],
  ["prune: cases", S.deleteSitrepRows(sql, "sitrep_case", [id])],
  ["prune: generations", S.deleteSitrepRows(sql, "sitrep_generation", [id])],
  ["prune: publishers", S.deleteSitrepRows(sql, "sitrep_publisher", [id])],
  ["publish: the publisher", S.insertPublisher(sql, sitrepId, "alice")],
  ["prune: sitreps", S.deleteSitreps(sql, [id])],
  ["history range", S.selectHistoryRange(sql)],
  ["sitrep exists", S.selectSitrepExists(sql, id)],
  ["explain: does the current sitrep request this id", S.selectCurrentRequests(sql, "alert", id)],
  ["publish: an ambiguous commit resolved", S.selectHistoryVersionOf(sql, id)],
  ["progress read", P.selectProgress(sql)],
  ["progress advance", P.recordProgress(sql, "executed", "alert" as never, { generation: held, at: now, by: "e" })],
  ["progress advance, committed asynchronously (PostgreSQL)", P.recordProgress(sql, "swept", "alert" as never, { generation: held, at: now, by: "e" }, { asyncAdvisoryCommit: true })],
  ["reports", P.selectReports(sql)]
]

/** What the API adds (SPEC 8.3): history pages and the token lookup of every request. */
const api = (sql: Sql): ReadonlyArray<readonly [string, Statement<unknown>]> => [
  ...auditStatements(sql).map(([name, statement]) => [name, statement] as const),
  ["api: history page, first", H.selectHistoryPage(sql, null, 101)],
  ["api: history page, next", H.selectHistoryPage(sql, 50, 101)],
  ["api: token by lookup", T.selectTokenByLookup(sql, "0123456789abcdef")]
]

/** Issue 25.5: the audit record's pages (each filter `fm audit` has) and its retention prune, with the index each must use. */
const auditCursor = { at: now, id }
const auditStatements = (sql: Sql): ReadonlyArray<readonly [string, Statement<unknown>, string]> => [
  ["audit: newest page", AU.selectAuditPage(sql, {}, null, 101), "fm_audit_by_time"],
  ["audit: next page", AU.selectAuditPage(sql, {}, auditCursor, 101), "fm_audit_by_time"],
  ["audit: since", AU.selectAuditPage(sql, { since: now }, null, 101), "fm_audit_by_time"],
  ["audit: one id", AU.selectAuditPage(sql, { subject: id }, null, 101), "fm_audit_by_subject"],
  ["audit: one id, next page", AU.selectAuditPage(sql, { subject: id }, auditCursor, 101), "fm_audit_by_subject"],
  // Either of the two equality indexes bounds it; the planner picks by its estimates.
  ["audit: one id by one actor since", AU.selectAuditPage(sql, { subject: id, actor: "alice", since: now }, null, 101), "fm_audit_by_subject|fm_audit_by_actor"],
  ["audit: one actor", AU.selectAuditPage(sql, { actor: "alice" }, null, 101), "fm_audit_by_actor"],
  ["audit: one actor, next page", AU.selectAuditPage(sql, { actor: "alice" }, auditCursor, 101), "fm_audit_by_actor"],
  ["audit: retention prune", AU.pruneAuditPage(sql, now, 1000), "fm_audit_by_time"]
]

/** Issue 25: the executor name leases (claimed and renewed periodically by every executor, read by status). */
const leases = (sql: Sql): ReadonlyArray<readonly [string, Statement<unknown>]> => [
  ["lease: claim or renew", L.claimLease(sql, { executor: "nexus-1", host: "h", pid: 1, instance: "i", ttlMillis: 30_000 })],
  ["lease: holder", L.selectLease(sql, "nexus-1")],
  ["lease: release", L.releaseLease(sql, "nexus-1", "i")],
  ["status: executor leases", L.selectLeases(sql)],
  ["forget: report", L.deleteReport(sql, "nexus-1")],
  ["forget: ended lease", L.deleteEndedLease(sql, "nexus-1")]
]

describe("EXPLAIN: every periodic and operator query has an index path (SPEC 3.4, 5)", () => {
  layer(freshSqlLayer())((it) => {
    for (const k of allKinds) {
      it.effect(`${k.kind.plural}: every read bounded by an index condition`, () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          yield* allBounded(sql, k, perKind(sql, k, yield* SqlProfile))
        }))
    }

    it.effect("sitreps, history and progress: every read bounded by an index condition", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* allBounded(sql, null, shared(sql))
      }))

    it.effect("the API's pages and token lookup: every read bounded by an index condition", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* allBounded(sql, null, api(sql))
      }))

    it.effect("the audit record's pages and retention prune read through the index their filter names (issue 25.5)", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        for (const [name, statement, index] of auditStatements(sql)) {
          const { plan } = yield* explain(sql, (yield* SqlProfile).server, statement)
          assert.isTrue(index.split("|").some((i) => usesIndex(plan, i)), `${name} should read ${index}:\n${planText(plan)}`)
        }
      }))

    it.effect("executor leases: every statement by the executor name's key (the status read is one row per name)", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* allBounded(sql, null, leases(sql))
        // The claim, the release and the forget's deletes reach the one row through the primary key.
        for (const [, statement] of leases(sql).filter(([name]) => name !== "status: executor leases" && name !== "lease: claim or renew")) {
          const { plan } = yield* explain(sql, (yield* SqlProfile).server, statement)
          assert.isTrue(scans(plan).every((s) => s.constrained) && scans(plan).length > 0, planText(plan))
        }
      }))

    it.effect("refuses, one by one, the broken statements the former exemptions let through", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const server = (yield* SqlProfile).server
        const k = allKinds[0]!
        const broken: ReadonlyArray<readonly [string, Statement<unknown>]> = [
          // A scan of the partial index was exempt: a sweep page that ignores its cursor.
          ["sweep page ignoring its cursor", sql`SELECT resource_id FROM ${sql(k.markerTable)}
            WHERE dropped_at_generation IS NOT NULL ORDER BY dropped_at_generation, resource_id LIMIT 100`],
          // A hard LIMIT was exempt: a full read that stops at the first match, if there is one.
          ["full read under LIMIT", sql`SELECT id FROM ${sql(k.resourceTable)} WHERE class = 'c' ORDER BY id LIMIT 1`],
          // With enable_seqscan = off, a full index scan with no condition was no Seq Scan.
          ["full index scan, no condition", sql`SELECT count(*) AS n FROM ${sql(k.resourceTable)}`],
          // An allowance holds only for its shape: a first page that filters what it reads is refused.
          ["resource list, first page", sql`SELECT id FROM ${sql(k.resourceTable)} WHERE class = 'c' ORDER BY id LIMIT 50`]
        ]
        const refused = yield* refusals(sql, k, broken)
        assert.deepStrictEqual(refused.map((r) => r.split(" reads ")[0]), broken.map(([name]) => `${k.kind.name} ${name}`), refused.join("\n\n"))
        if (server === "postgresql") {
          // ...and the former reader (a `Seq Scan` line) passed each of them.
          for (const [name, statement] of broken) {
            const { plan } = yield* explain(sql, server, statement)
            assert.isFalse(plan.lines.some((l) => /Seq Scan/.test(l)), `${name}:\n${planText(plan)}`)
          }
        }
      }))

    it.effect("the sweep reads the marked markers through their partial (generation, id) index", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        for (const k of allKinds) {
          for (const c of [null, cursor]) {
            const { plan } = yield* explain(sql, (yield* SqlProfile).server, M.sweepCandidatesPage(sql, k, sitrepId, c, 100))
            // An ordered index scan on real tables; a bitmap index scan on the empty tables here.
            assert.isTrue(usesIndex(plan, k.candidateIndex), planText(plan))
            assert.deepStrictEqual(unboundedScans(plan), [], planText(plan))
          }
        }
      }))

    it.effect("explain, and a delete's tombstone, look one id of the current sitrep up by index, not the sitrep's requests (constant cost)", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const profile = yield* SqlProfile
        for (const statement of [S.selectCurrentRequests(sql, "alert", id), R.selectTombstoneBasis(sql, allKinds[0]!, id, profile)]) {
          const { plan } = yield* explain(sql, profile.server, statement)
          const p = planText(plan)
          // The primary key (kind, id) of the lineage's requests: the one row of this id, whatever
          // the size of the current sitrep.
          assert.isTrue(usesIndex(plan, "lineage_request_pkey"), p)
          if (plan.dialect === "postgresql") assert.match(p, /Index Cond: .*id = '00000000-0000-4000-8000-000000000001'::uuid/, p)
          assert.deepStrictEqual(unboundedScans(plan), [], p)
        }
      }))

    it.effect("a move, an executor's held counts and pages, pruning and a publish's parent read the lineage's requests through their entry, drop and primary-key indexes", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const server = (yield* SqlProfile).server
        const from = 2n as Generation
        for (
          const [statement, index] of [
            [S.selectEnteredBetween(sql, "alert", from, held), "lineage_request_by_entry"],
            [S.selectDroppedBetween(sql, "alert", from, held), "lineage_request_dropped"],
            [S.pruneRequestsPage(sql, "alert", 100), "lineage_request_dropped"],
            [S.selectCountMove(sql, "alert", from, held), "lineage_request_by_entry"],
            [S.selectCountMove(sql, "alert", from, held), "lineage_request_dropped"],
            [S.selectHeldRequestsPage(sql, "alert", from, held, { enteredAt: from, ...S.FIRST_HELD_KEY }, 5000), "lineage_request_by_entry"],
            [S.selectHeldRequestsPage(sql, "alert", 0n as Generation, held, { enteredAt: held, position: 7, id }, 5000), "lineage_request_by_entry"],
            [S.selectRequests(sql, id), "lineage_request_by_entry"],
            [S.selectOutline(sql, id), "lineage_request_by_entry"],
            [S.selectCarriedByIds(sql, id, [id, "00000000-0000-4000-8000-000000000002"]), "lineage_request_pkey"]
          ] as const
        ) {
          const { plan } = yield* explain(sql, server, statement)
          assert.isTrue(usesIndex(plan, index), planText(plan))
          // The lineage's requests by an index condition (the whole plan: the tests above).
          assert.isFalse(scansUnbounded(plan, "lineage_request"), planText(plan))
        }
      }))

    it.effect("the SQL text of the alert statements is what was reviewed (snapshot)", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const alert = allKinds[0]!
        const texts = Object.fromEntries([...perKind(sql, alert, profileOf("postgresql")), ...shared(sql)].map(([name, s]) => [name, s.compile()[0]]))
        expect(texts).toMatchSnapshot()
      }))
  })
})

/**
 * The plans above are made on empty tables, where a read of every row of a kind through
 * `lineage_request_by_entry` costs as little as a primary-key probe, and `kind = K`, the leading
 * column of every lineage index, counts as an index condition. So the statements on
 * `lineage_request` are explained again on a lineage of 50,000 analysed rows (50 generations, 1 in
 * 100 dropped) beside 20,000 markers, and each must read it through the index that bounds it by
 * what it asks: one id by the primary key (never the entry index, which would read the kind's rows
 * entered at or below the generation), a version and a move by the entry index, drops and
 * pruning by the partial drop index. On both profiles (the CockroachDB one: generic plans).
 */
describe("EXPLAIN on a populated lineage: every statement on lineage_request reads it through the index that bounds it", () => {
  layer(freshSqlLayer())((it) => {
    it.effect("point lookups by the primary key; a version and a move by the entry index; drops and pruning by the partial drop index", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const profile = yield* SqlProfile
        const k = allKinds[0]!
        yield* sql`INSERT INTO lineage_request (kind, id, entered_at_generation, dropped_at_generation, case_id, position, body, digest)
          SELECT 'alert', gen_random_uuid(), 1 + g % 50, CASE WHEN g % 100 = 0 THEN 51 + g % 50 ELSE NULL END,
            gen_random_uuid(), g, '{"class": "c"}'::jsonb, 'd'
          FROM generate_series(1, 50000) AS g`
        yield* sql`INSERT INTO ${sql(k.markerTable)} (resource_id, created_at_generation, time_created, dropped_at_generation)
          SELECT gen_random_uuid(), 1 + g % 50, now(), CASE WHEN g % 10 = 0 THEN 2 + g % 50 ELSE NULL END FROM generate_series(1, 20000) AS g`
        yield* sql`INSERT INTO sitrep (id, parent_id, creator_id, time_created, comment) VALUES (${id}, NULL, 'p', now(), '')`
        yield* sql`INSERT INTO sitrep_generation (sitrep_id, kind, generation) VALUES (${id}, 'alert', 100)`
        yield* sql`INSERT INTO sitrep_history (version, sitrep_id) VALUES (1, ${id})`
        yield* sql`INSERT INTO sitrep_current (singleton, version, sitrep_id) VALUES (TRUE, 1, ${id})`
        yield* sql.unsafe(`ANALYZE lineage_request, ${k.markerTable}, sitrep, sitrep_generation, sitrep_history, sitrep_current`)
        const from = 40n as Generation
        const to = 41n as Generation
        const byIndex: ReadonlyArray<readonly [string, Statement<unknown>, string]> = [
          ["explain: does the current sitrep request this id", S.selectCurrentRequests(sql, "alert", id), "lineage_request_pkey"],
          ["delete: the tombstone's basis", R.selectTombstoneBasis(sql, k, id, profile), "lineage_request_pkey"],
          ["publish: known request ids", S.selectKnownIds(sql, k, [id, "00000000-0000-4000-8000-000000000002"]), "lineage_request_pkey"],
          ["publish: drop requests", S.dropRequests(sql, "alert", to, [id, "00000000-0000-4000-8000-000000000002"]), "lineage_request_pkey"],
          ["candidate sweep, first page", M.sweepCandidatesPage(sql, k, sitrepId, null, 100), "lineage_request_pkey"],
          ["candidate sweep, next page", M.sweepCandidatesPage(sql, k, sitrepId, cursor, 100), "lineage_request_pkey"],
          ["reconciliation, first page", M.reconcileMarkersPage(sql, k, sitrepId, null, 100), "lineage_request_pkey"],
          ["reconciliation, next page", M.reconcileMarkersPage(sql, k, sitrepId, id, 100), "lineage_request_pkey"],
          ["sitrep requests", S.selectRequests(sql, id), "lineage_request_by_entry"],
          ["publish: the parent's outline, without bodies", S.selectOutline(sql, id), "lineage_request_by_entry"],
          ["publish: the carried requests a delta touches", S.selectCarriedByIds(sql, id, [id, "00000000-0000-4000-8000-000000000002"]), "lineage_request_pkey"],
          ["move: requests entered between two generations", S.selectEnteredBetween(sql, "alert", from, to), "lineage_request_by_entry"],
          ["move: requests dropped between two generations", S.selectDroppedBetween(sql, "alert", from, to), "lineage_request_dropped"],
          ["prune: requests no retained version carries", S.pruneRequestsPage(sql, "alert", 100), "lineage_request_dropped"]
        ]
        // The column past `kind` each index must be read by: PostgreSQL's index condition names it;
        // CockroachDB's spans go past the kind (`/'alert'/...`).
        const bounding: Record<string, RegExp> = {
          lineage_request_pkey: /\bid = /,
          lineage_request_by_entry: /\bentered_at_generation [<>]/,
          lineage_request_dropped: /\bdropped_at_generation [<>]/
        }
        const boundedBy = (condition: string, index: string) =>
          profile.server === "postgresql" ? bounding[index]!.test(condition) : /\/[^/\s]+\/[^\s\]-]/.test(condition)
        const wrong: Array<string> = []
        for (const [name, statement, index] of byIndex) {
          const { plan } = yield* explain(sql, profile.server, statement)
          const others = ["lineage_request_pkey", "lineage_request_by_entry", "lineage_request_dropped"].filter((i) => i !== index)
          if (
            !usesIndex(plan, index) || !conditionsOn(plan, index).every((c) => boundedBy(c, index)) ||
            (index === "lineage_request_pkey" && others.some((i) => usesIndex(plan, i))) || scansUnbounded(plan, "lineage_request")
          ) {
            wrong.push(`${name} should read lineage_request through ${index} alone:\n${planText(plan)}`)
          }
        }
        assert.deepStrictEqual(wrong, [], wrong.join("\n\n"))
      }))
  })
})

/**
 * Core version 4's data move (issue 19) is a statement on lineage_request too: run once per
 * upgrade, in pages, each page reading the per-version table by its (kind, id) index after the
 * last key moved. Explained on a database at core version 3 with four versions of 1,503 requests,
 * after the first page moved, on both profiles.
 */
describe("EXPLAIN: the migration's data move into lineage_request", () => {
  layer(testDatabaseLayer({ migrated: false }))((it) => {
    it.effect("each page reads sitrep_request and lineage_request by index", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* atCoreV3WithRequests
        const step = coreTrack.steps.find((s) => s.version === 4)!
        const ddl = step.statements.filter((s): s is string => typeof s === "string" && !s.startsWith("DROP"))
        for (const statement of ddl) yield* sql.unsafe(statement)
        const page = step.statements.flatMap((s) => (typeof s !== "string" && "page" in s ? [s.page] : []))[0]!
        assert.strictEqual((yield* sql.unsafe(page)).length, 1000)
        yield* sql.unsafe("ANALYZE sitrep_request, lineage_request, sitrep_history, sitrep_generation")
        yield* allBounded(sql, null, [["migration: move a page of requests into lineage_request", sql.unsafe(page)]])
        const { plan } = yield* explain(sql, (yield* SqlProfile).server, sql.unsafe(page))
        assert.isTrue(usesIndex(plan, "sitrep_request_by_id"), planText(plan))
      }))
  })
})
