import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { A, C, S } from "../contract/fixtures.ts"
import { publish } from "../contract/helpers.ts"
import { pruneAsAdmin } from "../support/ports.ts"
import { freshSqlLayer } from "./fixtures.ts"

/**
 * Issue 19, counted in the tables: a `lineage_request` row goes with the prune that leaves no
 * retained version carrying it (dropped at or below the oldest retained version's generation of
 * its kind), every other row stays, and the cases of the pruned versions go with them, however
 * the work falls into pages.
 */
describe("pruning the lineage's requests (SQL, row counts)", () => {
  layer(freshSqlLayer())((it) => {
    it.effect("removes a request's row once no retained version carries it, and no other", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        // Six versions of one case; version v (2..6) drops A(v - 1) and A(10 + v - 1) and adds
        // A(20 + v). Alert generation of version v is v.
        const alertsOf = (v: number) => [
          ...Array.from({ length: 9 }, (_, i) => i + 1).filter((n) => n >= v),
          ...Array.from({ length: 9 }, (_, i) => i + 11).filter((n) => n >= 10 + v),
          ...Array.from({ length: v - 1 }, (_, i) => 22 + i)
        ].map(A)
        for (let v = 1; v <= 6; v++) {
          yield* publish({ id: S(v), parentId: v === 1 ? null : S(v - 1), cases: [{ id: C(1), alerts: alertsOf(v), bundles: [] }, { id: C(2 + v) }] })
        }
        const rows = () =>
          Effect.map(
            sql<{ id: string; entered: number; dropped: number | null }>`SELECT id, entered_at_generation::int AS entered,
              dropped_at_generation::int AS dropped FROM lineage_request WHERE kind = 'alert' ORDER BY id`,
            (rs) => rs.map((r) => [r.id, r.entered, r.dropped] as const)
          )
        const count = (table: string) => Effect.map(sql.unsafe<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`), (r) => r[0]!.n)
        const before = yield* rows()
        // 18 first requests and 5 added: 23 rows, 10 of them dropped (2 by each of versions 2..6).
        assert.strictEqual(before.length, 23)
        assert.strictEqual(before.filter(([, , d]) => d !== null).length, 10)
        assert.deepStrictEqual(before.find(([id]) => id === A(1)), [A(1), 1, 2])
        assert.deepStrictEqual(before.find(([id]) => id === A(24)), [A(24), 4, null])
        assert.strictEqual(yield* count("sitrep_case"), 1 * 6 + 6)

        const expectAfterKeeping = (keep: number) => {
          const oldest = 6 - keep + 1 // the oldest retained version, whose alert generation is its version
          return before.filter(([, , d]) => d === null || d > oldest)
        }
        // Keep 4 (versions 3..6), in pages of 1: the rows dropped by versions 2 and 3 go (4 rows).
        yield* pruneAsAdmin(4, 1)
        assert.deepStrictEqual(yield* rows(), expectAfterKeeping(4))
        assert.strictEqual((yield* rows()).length, 19)
        // The pruned versions' cases went with them: versions 3..6, two cases each.
        assert.strictEqual(yield* count("sitrep_case"), 4 * 2)
        assert.strictEqual(yield* count("sitrep_generation WHERE sitrep_id NOT IN (SELECT sitrep_id FROM sitrep_history)"), 0)
        // Keep 1 (version 6 alone), in pages of 100: every dropped row goes, every carried one stays.
        yield* pruneAsAdmin(1, 100)
        const last = yield* rows()
        assert.deepStrictEqual(last, expectAfterKeeping(1))
        assert.strictEqual(last.length, 13)
        assert.isTrue(last.every(([, , d]) => d === null))
        assert.strictEqual(yield* count("sitrep_case"), 2)
        // Pruning again removes nothing.
        yield* pruneAsAdmin(1, 100)
        assert.deepStrictEqual(yield* rows(), last)
      }))
  })
})
