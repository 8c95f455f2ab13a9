import { describe } from "@effect/vitest"
import { deleteResource, explain, sweepKind } from "@fm-rendezvous/domain"
import { Effect } from "effect"
import { assert, type ContractTest, S, C, A, B, alert, marker, kindDescriptor, firstSitrep } from "./fixtures.ts"
import { activateHeld, admin, publish, rid } from "./helpers.ts"

export const explanationsContract = (test: ContractTest) =>
  describe("explanations (SPEC 6)", () => {
    test("an id nothing knows", () =>
      Effect.gen(function*() {
        const e = yield* explain(rid(A(77)))
        assert.strictEqual(e.kind, null)
        assert.isFalse(e.exists)
      }))

    test("a deleted alert still requested, then dropped and collectible", () =>
      Effect.gen(function*() {
        yield* activateHeld(yield* firstSitrep)
        yield* deleteResource(admin, yield* kindDescriptor("alert"), rid(A(2)))
        const e = yield* explain(rid(A(2)))
        assert.deepStrictEqual(
          [e.kind, e.exists, e.fmCreated, e.createdAtGeneration, e.deleted?.by, e.requestedByCurrentSitrep, e.markerCollectible],
          ["alert", false, true, 1n, "alice", true, false]
        )
        assert.match(e.reason, /current sitrep \(generation 1\) still requests it/)
        yield* publish({ id: S(2), parentId: S(1), cases: [{ id: C(1), alerts: [A(1)], bundles: [B(1)] }] })
        const later = yield* explain(rid(A(2)))
        assert.isFalse(later.requestedByCurrentSitrep)
        assert.isTrue(later.markerCollectible)
      }))

    test("a live resource whose marker was collected is still FM's, and says why it has no marker", () =>
      Effect.gen(function*() {
        const s1 = yield* firstSitrep
        yield* activateHeld(s1)
        yield* publish({ id: S(2), parentId: S(1), cases: [{ id: C(1), alerts: [A(1)], bundles: [B(1)] }] })
        yield* sweepKind(alert, S(2) as never, 10, false)
        const e = yield* explain(rid(A(2)))
        assert.deepStrictEqual([e.exists, e.fmCreated, e.createdAtGeneration, e.markerCollectible], [true, true, null, false])
        assert.match(e.reason, /FM created this alert for case .*; its marker was already collected/)
      }))

    test("a requested resource not created yet", () =>
      Effect.gen(function*() {
        yield* firstSitrep
        const e = yield* explain(rid(B(1)))
        assert.strictEqual(e.kind, "support_bundle")
        assert.isTrue(e.requestedByCurrentSitrep)
        assert.isFalse(e.fmCreated)
        assert.match(e.reason, /not been created yet/)
      }))
  })
