import { describe } from "@effect/vitest"
import {
  deleteResource,
  type Generation,
  type HeldRequestsPage,
  type HeldSitrep,
  heldOf,
  type KindName,
  requestsOf,
  requestsToExecute,
  type Sitrep,
  SitrepStore,
  sweepKind
} from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"
import type { CaseSpec } from "../support/documents.ts"
import { publishAsAdmin, pruneAsAdmin } from "../support/ports.ts"
import { sitrepDoc } from "../support/documents.ts"
import { A, alert, assert, B, C, type ContractTest, kindDescriptor, row, S } from "./fixtures.ts"
import { activateHeld, admin, currentSitrep, publish, rid, sitrepAt } from "./helpers.ts"

/**
 * Issue 19: requests are stored once per lineage with the generations they were carried for.
 * Whatever the storage, every retained version reads back what was published, in the defined
 * order within a case (carried requests in the parent's order, then the added ones in the
 * document's: docs/SQL.md), a move from an older version equals a full read, and nothing comes
 * back after drops, the GC and pruning.
 */
const chain: ReadonlyArray<ReadonlyArray<CaseSpec>> = [
  [{ id: C(1), alerts: [A(1), A(2), A(3)], bundles: [B(1)] }, { id: C(2), alerts: [A(4)] }],
  // A2 dropped, A5 added; the document lists the carried A3 before A1.
  [{ id: C(1), alerts: [A(3), A(1), A(5)], bundles: [B(1)] }, { id: C(2), alerts: [A(4)] }],
  // No request changes: a case comment and a case closed.
  [{ id: C(1), alerts: [A(3), A(1), A(5)], bundles: [B(1)], comment: "renamed" }, { id: C(2), alerts: [A(4)], closed: true }],
  // A3, A5 and B1 dropped; A6, A7 added; a new case with its own requests.
  [{ id: C(1), alerts: [A(7), A(1), A(6)] }, { id: C(2), alerts: [A(4)], closed: true }, { id: C(3), alerts: [A(8)], bundles: [B(2)] }],
  // The closed case goes, with A4; A9 added to C3.
  [{ id: C(1), alerts: [A(1), A(7), A(6)] }, { id: C(3), alerts: [A(9), A(8)], bundles: [B(2)] }]
]

/** Per version, per case: its alert ids and bundle ids in the defined order. */
const expected = [
  [[C(1), [A(1), A(2), A(3)], [B(1)]], [C(2), [A(4)], []]],
  [[C(1), [A(1), A(3), A(5)], [B(1)]], [C(2), [A(4)], []]],
  [[C(1), [A(1), A(3), A(5)], [B(1)]], [C(2), [A(4)], []]],
  [[C(1), [A(1), A(7), A(6)], []], [C(2), [A(4)], []], [C(3), [A(8)], [B(2)]]],
  [[C(1), [A(1), A(7), A(6)], []], [C(3), [A(8), A(9)], [B(2)]]]
]

const shape = (s: Sitrep) =>
  s.cases.map((c) => [c.id, (c.requests["alert"] ?? []).map((r) => r.id), (c.requests["support_bundle"] ?? []).map((r) => r.id)])

const publishChain = Effect.gen(function*() {
  const store = yield* SitrepStore
  const reads: Array<Sitrep> = []
  for (const [i, cases] of chain.entries()) {
    yield* publish({ id: S(i + 1), parentId: i === 0 ? null : S(i), cases })
    const current = yield* currentSitrep
    // A move from every older version reads the same sitrep as a full read.
    for (const older of reads) {
      assert.deepStrictEqual(Option.getOrThrow(yield* store.currentFrom(older)), current, `a move from version ${older.version}`)
    }
    assert.strictEqual(Option.getOrThrow(yield* store.currentFrom(current)), current)
    reads.push(current)
  }
  return reads
})

export const lineageContract = (test: ContractTest) =>
  describe("requests stored once per lineage (issue 19)", () => {
    test("every retained version reads back what was published, in the defined order; a move equals a full read", () =>
      Effect.gen(function*() {
        const reads = yield* publishChain
        for (const [i, read] of reads.entries()) {
          assert.deepStrictEqual(shape(read), expected[i], `version ${i + 1} as published`)
          // Later publishes dropped requests this version carried: it still reads the same.
          assert.deepStrictEqual(yield* sitrepAt(i + 1), read, `version ${i + 1} read back after later publishes`)
        }
        // Entry generations: A5 entered at alert generation 2, A6 and A7 at 3, A9 at 4; A1 at 1.
        const last = reads[4]!
        const entered = Object.fromEntries(last.cases.flatMap((c) => (c.requests["alert"] ?? []).map((r) => [r.id, Number(r.enteredAt)])))
        assert.deepStrictEqual(entered, { [A(1)]: 1, [A(7)]: 3, [A(6)]: 3, [A(9)]: 4, [A(8)]: 3 })
        assert.deepStrictEqual(reads.map((r) => [Number(r.generations["alert"]), Number(r.generations["support_bundle"])]), [
          [1, 1], [2, 1], [2, 1], [3, 2], [4, 2]
        ])
        // Pruning keeps the newest two; they read exactly as before, and the pruned are gone.
        yield* pruneAsAdmin(2, 1)
        assert.deepStrictEqual(yield* sitrepAt(4), reads[3])
        assert.deepStrictEqual(yield* sitrepAt(5), reads[4])
        assert.isTrue(Option.isNone(yield* (yield* SitrepStore).byVersion(3 as never)))
        assert.isTrue(yield* (yield* SitrepStore).currentRequests(alert, rid(A(9))))
        assert.isFalse(yield* (yield* SitrepStore).currentRequests(alert, rid(A(3))))
      }))

    test("an executor's held sitrep (issue 19): counts moved by the delta equal a full count; its pages are what an activation executes", () =>
      Effect.gen(function*() {
        const store = yield* SitrepStore
        const helds: Array<HeldSitrep> = []
        for (const [i, cases] of chain.entries()) {
          yield* publish({ id: S(i + 1), parentId: i === 0 ? null : S(i), cases })
          const current = yield* currentSitrep
          const first = Option.getOrThrow(yield* store.currentHeld(Option.none()))
          assert.deepStrictEqual(first, heldOf(current), `the first load of version ${i + 1}`)
          for (const older of helds) {
            assert.deepStrictEqual(Option.getOrThrow(yield* store.currentHeld(Option.some(older))), first, `a move from version ${older.version}`)
          }
          assert.strictEqual(Option.getOrThrow(yield* store.currentHeld(Option.some(first))), first, "still current: held as it is")
          helds.push(first)
          // Every page walk, from every earlier generation of the kind and from none, gives
          // exactly the requests the execution plan selects, in pages of at most the limit.
          for (const kind of [alert, "support_bundle" as KindName]) {
            const generations = [...new Set(helds.map((h) => h.generations[kind]).filter((g) => g !== undefined))] as Array<Generation>
            for (const after of [null, ...generations]) {
              const want = requestsToExecute(after === null ? { _tag: "All" } : { _tag: "After", executed: after }, requestsOf(current, kind))
              for (const limit of [1, 2, 100]) {
                const got: Array<string> = []
                let cursor: string | null = null
                for (let page = 0; page === 0 || cursor !== null; page++) {
                  assert.isBelow(page, 20, "the walk terminates")
                  const p: HeldRequestsPage = yield* store.heldRequests(first, kind, after, cursor, limit)
                  assert.isAtMost(p.requests.length, limit)
                  for (const r of p.requests) {
                    const same = want.find((w) => w.id === r.id)
                    assert.deepStrictEqual(r, same, `${kind} ${r.id} read as the sitrep carries it`)
                    got.push(r.id)
                  }
                  cursor = p.cursor
                }
                assert.deepStrictEqual(got.toSorted(), want.map((r) => r.id).toSorted(), `${kind} after ${after} in pages of ${limit}`)
              }
            }
          }
        }
        assert.strictEqual(helds[4]!.requested["alert"], 5)
        assert.strictEqual(helds[3]!.requested["support_bundle"], 1)
        // Pruned: the rows the versions in between dropped are gone, so a move from a held version
        // no longer stored must not count by them (it counts afresh).
        yield* pruneAsAdmin(2, 1)
        for (const older of helds.slice(0, 3)) {
          assert.deepStrictEqual(Option.getOrThrow(yield* store.currentHeld(Option.some(older))), helds[4], `a move from pruned version ${older.version}`)
        }
      }))

    test("pruning removes a request once no retained version carries it, and only then", () =>
      Effect.gen(function*() {
        const store = yield* SitrepStore
        // Alert generations: v1 = 1 {A1, A2, A3}; v2 = 2 drops A1; v3 = 3 drops A2, adds A4;
        // v4 = 4 adds A5; v5 = 4 (only a comment). No executor ran, so no marker remembers any id:
        // an id is known exactly while a stored version carries it.
        const versions: ReadonlyArray<ReadonlyArray<string>> = [[A(1), A(2), A(3)], [A(2), A(3)], [A(3), A(4)], [A(3), A(4), A(5)], [A(3), A(4), A(5)]]
        for (const [i, alerts] of versions.entries()) {
          yield* publish({ id: S(i + 1), parentId: i === 0 ? null : S(i), cases: [{ id: C(1), alerts, comment: `v${i + 1}` }] })
        }
        const all = [A(1), A(2), A(3), A(4), A(5)]
        const known = () => Effect.map(store.knownRequestIds(alert, all.map(rid)), (ids) => [...ids].sort())
        assert.deepStrictEqual(yield* known(), all)
        // Keeping v2..v5: A1 was dropped by v2, the oldest kept, so no kept version carries it.
        yield* pruneAsAdmin(4, 1)
        assert.deepStrictEqual(yield* known(), [A(2), A(3), A(4), A(5)], "keeping v2..v5 (A2 carried by v2)")
        // Keeping v3..v5: A2 goes (dropped by v3); A3, carried by every version, stays.
        yield* pruneAsAdmin(3, 1)
        assert.deepStrictEqual(yield* known(), [A(3), A(4), A(5)], "keeping v3..v5")
        // Keeping v5 alone: nothing it carries goes, and it still reads what was published.
        yield* pruneAsAdmin(1, 1)
        assert.deepStrictEqual(yield* known(), [A(3), A(4), A(5)], "keeping v5")
        assert.deepStrictEqual(shape(yield* sitrepAt(5)), [[C(1), [A(3), A(4), A(5)], []]])
        assert.isTrue(yield* store.currentRequests(alert, rid(A(3))))
      }))

    test("no resurrection: a stale executor creates nothing, before and after the GC and pruning", () =>
      Effect.gen(function*() {
        const s1 = Option.getOrThrow(yield* Effect.flatMap(SitrepStore, (s) => s.current).pipe(
          Effect.andThen(() => publish({ id: S(1), parentId: null, cases: chain[0]! })),
          Effect.andThen(() => Effect.flatMap(SitrepStore, (s) => s.current))
        ))
        yield* activateHeld(s1)
        // The operator deletes A2 (a tombstone), and v2 drops it.
        yield* deleteResource(admin, yield* kindDescriptor("alert"), rid(A(2)))
        yield* publish({ id: S(2), parentId: S(1), cases: chain[1]! })
        const again = yield* Effect.flip(publishAsAdmin(sitrepDoc({
          id: S(3),
          parentId: S(2),
          cases: [{ id: C(1), alerts: [A(1), A(2), A(3), A(5)], bundles: [B(1)] }, { id: C(2), alerts: [A(4)] }]
        })))
        assert.match(String((again as { message?: string }).message), /dropped earlier in the lineage/)
        const stale = (label: string) =>
          Effect.gen(function*() {
            const report = yield* activateHeld(s1, { executor: `stale-${label}` })
            assert.isTrue(report.kinds["alert"]!.stale, label)
            assert.strictEqual(report.kinds["alert"]!.created, 0, label)
            assert.isTrue(Option.isNone(yield* row("alert", A(2))), `A2 came back ${label}`)
          })
        yield* stale("before the GC")
        const s2 = yield* currentSitrep
        yield* sweepKind(alert, s2.id, 10, false)
        yield* stale("after the GC")
        for (let v = 3; v <= 4; v++) yield* publish({ id: S(v), parentId: S(v - 1), cases: chain[v - 1]! })
        yield* pruneAsAdmin(1, 1)
        yield* stale("after pruning")
        assert.deepStrictEqual(shape(yield* currentSitrep), expected[3])
      }))
  })
