import { assert, describe, expect, layer } from "@effect/vitest"
import type { CandidateCursor, Generation, Request, SitrepId } from "@fm-rendezvous/domain"
import { type Profile, profileOf, SqlProfile } from "@fm-rendezvous/adapters-sql"
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
import type { SqlKind } from "../../packages/adapters-sql/src/kind.ts"
import { allKinds, freshSqlLayer } from "./fixtures.ts"
import { explain, planText, tablesScannedWithoutIndex, usesIndex } from "./plans.ts"

/**
 * SPEC 3.4 and 5: no periodic or operator query scans a table. Each statement is built by the
 * builder production calls, explained on the server at hand (PostgreSQL, or CockroachDB when
 * DATABASE_URL points at one), and read by the one plan reader (plans.ts): on PostgreSQL with
 * `enable_seqscan = off`, so even the small tables of a test show the index plan if there is one.
 */
type Sql = SqlClient.SqlClient
const id = "00000000-0000-4000-8000-000000000001"
const sitrepId = id as SitrepId
const held = 3n as Generation
const cursor: CandidateCursor = { generation: 2n as Generation, id: id as never }
const now = new Date(0)
// One body that every test kind's `resourceFields` can read.
const request = (): Request => ({ id: id as never, caseId: id as never, body: { class: "c", payload: {}, reason: "r", size: 3 } })

const noSeqScan = (name: string, sql: Sql, statement: Statement<unknown>) =>
  Effect.gen(function*() {
    const { plan } = yield* explain(sql, (yield* SqlProfile).server, statement)
    assert.deepStrictEqual(tablesScannedWithoutIndex(plan), [], `${name} scans a table without an index:\n${planText(plan)}`)
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
  ["prune: history page", S.pruneHistoryPage(sql, 10, 100)],
  ["publish: add requests", S.insertRequests(sql, [{ kind: "alert", id, position: 0, caseId: id, body: "{}", digest: "d", enteredAt: held }])],
  ["publish: a kind leaves with its requests", S.dropKindRequests(sql, "alert", held)],
  ["publish: drop requests", S.dropRequests(sql, "alert", held, [id, "00000000-0000-4000-8000-000000000002"])],
  ["move: requests entered between two generations", S.selectEnteredBetween(sql, "alert", 2n as Generation, held)],
  ["move: requests dropped between two generations", S.selectDroppedBetween(sql, "alert", 2n as Generation, held)],
  ["prune: requests no retained version carries", S.pruneRequestsPage(sql, "alert", 100)],
  ["prune: cases", S.deleteSitrepRows(sql, "sitrep_case", [id])],
  ["prune: generations", S.deleteSitrepRows(sql, "sitrep_generation", [id])],
  ["prune: sitreps", S.deleteSitreps(sql, [id])],
  ["history range", S.selectHistoryRange(sql)],
  ["sitrep exists", S.selectSitrepExists(sql, id)],
  ["explain: does the current sitrep request this id", S.selectCurrentRequests(sql, "alert", id)],
  ["publish: an ambiguous commit resolved", S.selectHistoryVersionOf(sql, id)],
  ["progress read", P.selectProgress(sql)],
  ["progress advance", P.recordProgress(sql, "executed", "alert" as never, { generation: held, at: now, by: "e" })],
  ["reports", P.selectReports(sql)]
]

/** What the API adds (SPEC 8.3): history pages and the token lookup of every request. */
const api = (sql: Sql): ReadonlyArray<readonly [string, Statement<unknown>]> => [
  ["api: history page, first", H.selectHistoryPage(sql, null, 101)],
  ["api: history page, next", H.selectHistoryPage(sql, 50, 101)],
  ["api: token by lookup", T.selectTokenByLookup(sql, "0123456789abcdef")]
]

describe("EXPLAIN: every periodic and operator query has an index path (SPEC 3.4, 5)", () => {
  layer(freshSqlLayer())((it) => {
    for (const k of allKinds) {
      it.effect(`${k.kind.plural}: no sequential scan`, () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          for (const [name, statement] of perKind(sql, k, yield* SqlProfile)) yield* noSeqScan(`${k.kind.name} ${name}`, sql, statement)
        }))
    }

    it.effect("sitreps, history and progress: no sequential scan", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        for (const [name, statement] of shared(sql)) yield* noSeqScan(name, sql, statement)
      }))

    it.effect("the API's pages and token lookup: no sequential scan", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        for (const [name, statement] of api(sql)) yield* noSeqScan(name, sql, statement)
      }))

    it.effect("the sweep reads the marked markers through their partial (generation, id) index", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        for (const k of allKinds) {
          for (const c of [null, cursor]) {
            const { plan } = yield* explain(sql, (yield* SqlProfile).server, M.sweepCandidatesPage(sql, k, sitrepId, c, 100))
            // An ordered index scan on real tables; a bitmap index scan on the empty tables here.
            assert.isTrue(usesIndex(plan, k.candidateIndex), planText(plan))
            assert.deepStrictEqual(tablesScannedWithoutIndex(plan), [], planText(plan))
          }
        }
      }))

    it.effect("explain looks one id of the current sitrep up by index, not the sitrep's requests (constant cost)", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const { plan } = yield* explain(sql, (yield* SqlProfile).server, S.selectCurrentRequests(sql, "alert", id))
        const p = planText(plan)
        // The primary key (kind, id) of the lineage's requests: the one row of this id, whatever
        // the size of the current sitrep.
        assert.isTrue(usesIndex(plan, "lineage_request_pkey"), p)
        if (plan.dialect === "postgresql") assert.match(p, /Index Cond: .*id = '00000000-0000-4000-8000-000000000001'::uuid/, p)
        assert.deepStrictEqual(tablesScannedWithoutIndex(plan), [], p)
      }))

    it.effect("a move and pruning read the lineage's requests through their entry and drop indexes", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const server = (yield* SqlProfile).server
        const from = 2n as Generation
        for (
          const [statement, index] of [
            [S.selectEnteredBetween(sql, "alert", from, held), "lineage_request_by_entry"],
            [S.selectDroppedBetween(sql, "alert", from, held), "lineage_request_dropped"],
            [S.pruneRequestsPage(sql, "alert", 100), "lineage_request_dropped"],
            [S.selectRequests(sql, id), "lineage_request_by_entry"]
          ] as const
        ) {
          const { plan } = yield* explain(sql, server, statement)
          assert.isTrue(usesIndex(plan, index), planText(plan))
          assert.deepStrictEqual(tablesScannedWithoutIndex(plan), [], planText(plan))
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
