import { describe } from "@effect/vitest"
import { type CandidateCursor, deleteResource, MarkerStore, sweepKind, type SweepPage } from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"
import { pruneAsAdmin } from "../support/ports.ts"
import { assert, type ContractTest, S, C, A, B, alert, bundle, marker, row, kindDescriptor, firstSitrep } from "./fixtures.ts"
import { activateHeld, admin, currentSitrep, kind, publish, rid } from "./helpers.ts"

export const gcContract = (test: ContractTest) =>
  describe("marker garbage collection (SPEC 3.3, 3.4)", () => {
    // v1: A1 A2 B1; executor creates all; v2 drops A2 (alert gen 2) and adds A3.
    const droppedA2 = Effect.gen(function*() {
      const s1 = yield* firstSitrep
      yield* activateHeld(s1)
      yield* publish({ id: S(2), parentId: S(1), cases: [{ id: C(1), alerts: [A(1), A(3)], bundles: [B(1)] }] })
      const s2 = yield* currentSitrep
      yield* activateHeld(s2, { executor: "executor-2" })
      return { s1, s2 }
    })

    test("a dropped request's marker is deleted; requested ones are preserved", () =>
      Effect.gen(function*() {
        yield* droppedA2
        assert.isTrue(Option.isNone(yield* marker("alert", A(2))))
        assert.isTrue(Option.isSome(yield* marker("alert", A(1))))
        assert.isTrue(Option.isSome(yield* marker("alert", A(3))))
        assert.isTrue(Option.isSome(yield* marker("support_bundle", B(1))))
        // Only the dropped id was marked: the requested ones carry no dropped generation.
        assert.isNull(Option.getOrThrow(yield* marker("alert", A(1))).droppedAtGeneration)
        assert.isNull(Option.getOrThrow(yield* marker("alert", A(3))).droppedAtGeneration)
        // The resource itself stays: deleting the marker of a live resource is fine (SPEC 3.3).
        assert.isTrue(Option.isSome(yield* row("alert", A(2))))
      }))

    test("a tombstone of a dropped request is collected too", () =>
      Effect.gen(function*() {
        const s1 = yield* firstSitrep
        yield* activateHeld(s1)
        yield* deleteResource(admin, yield* kindDescriptor("alert"), rid(A(2)))
        yield* publish({ id: S(2), parentId: S(1), cases: [{ id: C(1), alerts: [A(1)], bundles: [B(1)] }] })
        const swept = yield* sweepKind(alert, S(2) as never, 10, false)
        assert.deepStrictEqual(swept, { swept: 1, pages: 1, sitrepMissing: false })
        assert.isTrue(Option.isNone(yield* marker("alert", A(2))))
      }))

    test("a stale sitrep deletes nothing it should not", () =>
      Effect.gen(function*() {
        const s1 = yield* firstSitrep
        yield* activateHeld(s1)
        yield* publish({ id: S(2), parentId: S(1), cases: [{ id: C(1), alerts: [A(1), A(3)], bundles: [B(1)] }] })
        yield* activateHeld(yield* currentSitrep, { executor: "executor-2", pageSize: 1000 })
        // Judged from v1 (alert gen 1): A1 is requested; A3 was created at gen 2 (higher); A2 is gone already.
        const fromStale = yield* sweepKind(alert, S(1) as never, 1, true)
        assert.strictEqual(fromStale.swept, 0)
        assert.isTrue(Option.isSome(yield* marker("alert", A(1))))
        assert.isTrue(Option.isSome(yield* marker("alert", A(3))))
      }))

    test("a marker created at the held generation or later is preserved, even unrequested", () =>
      Effect.gen(function*() {
        yield* publish({ id: S(1), parentId: null, cases: [{ id: C(1), alerts: [A(1)] }] })
        yield* publish({ id: S(2), parentId: S(1), cases: [{ id: C(1), alerts: [A(1), A(2)] }] })
        yield* activateHeld(yield* currentSitrep)
        // A2's marker is at generation 2; judged from v1 (generation 1, which does not request A2).
        const page = yield* Effect.flatMap(MarkerStore, (m) => m.reconcilePage(alert, S(1) as never, null, 10))
        assert.deepStrictEqual(page._tag === "Page" ? page.deleted : "missing", [])
        assert.isTrue(Option.isSome(yield* marker("alert", A(2))))
      }))

    test("a sitrep pruned from storage deletes nothing (the rule fails closed)", () =>
      Effect.gen(function*() {
        yield* droppedA2
        yield* publish({ id: S(3), parentId: S(2), cases: [{ id: C(1), alerts: [A(3)], bundles: [B(1)] }] })
        yield* pruneAsAdmin(1, 10)
        const markers = yield* MarkerStore
        const page = yield* markers.sweepCandidates(alert, S(2) as never, null, 10)
        assert.deepStrictEqual(page, { _tag: "SitrepMissing" })
        const reconcile = yield* markers.reconcilePage(alert, S(1) as never, null, 10)
        assert.deepStrictEqual(reconcile, { _tag: "SitrepMissing" })
        assert.isTrue(Option.isSome(yield* marker("alert", A(1))))
        const summary = yield* sweepKind(alert, S(2) as never, 10, true)
        assert.deepStrictEqual(summary, { swept: 0, pages: 0, sitrepMissing: true })
      }))

    test("page size 1 terminates and collects everything collectible", () =>
      Effect.gen(function*() {
        const many = Array.from({ length: 5 }, (_, i) => A(10 + i))
        yield* publish({ id: S(1), parentId: null, cases: [{ id: C(1), alerts: many }] })
        yield* activateHeld(yield* currentSitrep, { batchSize: 100 })
        yield* publish({ id: S(2), parentId: S(1), cases: [{ id: C(1), alerts: [] }] })
        const markers = yield* MarkerStore
        let cursor: CandidateCursor | null = null
        let pages = 0
        let deleted = 0
        do {
          const page: SweepPage<CandidateCursor> = yield* markers.sweepCandidates(alert, S(2) as never, cursor, 1)
          assert.strictEqual(page._tag, "Page")
          if (page._tag !== "Page") break
          assert.isAtMost(page.deleted.length, 1)
          deleted += page.deleted.length
          cursor = page.next
          pages += 1
          assert.isBelow(pages, 20, "the sweep must terminate")
        } while (cursor !== null)
        assert.strictEqual(deleted, 5)
        for (const id of many) assert.isTrue(Option.isNone(yield* marker("alert", id)))
      }))

    test("the reconciliation pass pages by id with size 1 and terminates", () =>
      Effect.gen(function*() {
        yield* droppedA2
        const summary = yield* sweepKind(alert, S(2) as never, 1, true)
        assert.isFalse(summary.sitrepMissing)
        assert.isAtLeast(summary.pages, 2)
        assert.isTrue(Option.isSome(yield* marker("alert", A(1))))
      }))

    test("markers dropped above the held generation are left, marked, for a later sweep", () =>
      Effect.gen(function*() {
        const s1 = yield* firstSitrep
        yield* activateHeld(s1)
        yield* publish({ id: S(2), parentId: S(1), cases: [{ id: C(1), alerts: [A(1)], bundles: [B(1)] }] })
        const fromV1 = yield* sweepKind(alert, S(1) as never, 10, false)
        assert.strictEqual(fromV1.swept, 0)
        assert.strictEqual(Option.getOrThrow(yield* marker("alert", A(2))).droppedAtGeneration, 2n)
        const fromV2 = yield* sweepKind(alert, S(2) as never, 10, false)
        assert.strictEqual(fromV2.swept, 1)
      }))

    test("a publish marks the markers of the ids it drops, with the generation that dropped them", () =>
      Effect.gen(function*() {
        const s1 = yield* firstSitrep
        yield* activateHeld(s1)
        yield* deleteResource(admin, yield* kindDescriptor("alert"), rid(A(1)))
        // v2 drops A1 (a tombstone) and A2 (live) and adds A3, never created; v3 drops A3.
        yield* publish({ id: S(2), parentId: S(1), cases: [{ id: C(1), alerts: [A(3)], bundles: [B(1)] }] })
        const a1 = Option.getOrThrow(yield* marker("alert", A(1)))
        assert.deepStrictEqual([a1.droppedAtGeneration, a1.deletedBy], [2n, "alice"])
        assert.strictEqual(Option.getOrThrow(yield* marker("alert", A(2))).droppedAtGeneration, 2n)
        assert.isNull(Option.getOrThrow(yield* marker("support_bundle", B(1))).droppedAtGeneration)
        yield* publish({ id: S(3), parentId: S(2), cases: [{ id: C(1), alerts: [A(4)], bundles: [B(1)] }] })
        // An id that never got a marker needs no record: there is nothing to collect.
        assert.isTrue(Option.isNone(yield* marker("alert", A(3))))
        // A later publish does not move an existing mark.
        assert.strictEqual(Option.getOrThrow(yield* marker("alert", A(2))).droppedAtGeneration, 2n)
        const swept = yield* sweepKind(alert, S(3) as never, 1, false)
        assert.deepStrictEqual(swept, { swept: 2, pages: 3, sitrepMissing: false })
        assert.isTrue(Option.isSome(yield* row("alert", A(2))))
      }))

    test("sweeping one kind never touches another kind's markers", () =>
      Effect.gen(function*() {
        yield* droppedA2
        yield* publish({ id: S(3), parentId: S(2), cases: [{ id: C(1), alerts: [A(1), A(3)] }] })
        yield* sweepKind(alert, S(3) as never, 10, true)
        assert.isTrue(Option.isSome(yield* marker("support_bundle", B(1))))
        yield* sweepKind(bundle, S(3) as never, 10, false)
        assert.isTrue(Option.isNone(yield* marker("support_bundle", B(1))))
      }))
  })
