import { describe } from "@effect/vitest"
import { ActivationMode, deleteResource, type Generation, ResourceStore } from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"
import { TestClock } from "effect/testing"
import { assert, type ContractTest, A, B, C, S, alert, alertBody, bundle, marker, requestOf, row, kindDescriptor, authorization, firstSitrep } from "./fixtures.ts"
import { activateHeld, admin, currentSitrep, publish, rid, viewer } from "./helpers.ts"
import { writeUnmarked } from "../support/unmarked.ts"

export const deletionContract = (test: ContractTest) =>
  describe("operator delete (SPEC 3.2)", () => {
    test("deleting an FM alert removes the row and stamps the marker; again keeps the first stamp", () =>
      Effect.gen(function*() {
        yield* activateHeld(yield* firstSitrep)
        const alerts = yield* kindDescriptor("alert")
        yield* TestClock.adjust(5_000)
        const first = yield* deleteResource(admin, alerts, rid(A(1)))
        assert.deepStrictEqual(first as unknown, { _tag: "Remove", stampMarker: true, fmCreated: true })
        assert.isTrue(Option.isNone(yield* row("alert", A(1))))
        const m = Option.getOrThrow(yield* marker("alert", A(1)))
        assert.strictEqual(m.deletedBy, "alice")
        assert.strictEqual(m.timeDeleted?.getTime(), 5_000)
        yield* TestClock.adjust(5_000)
        const again = yield* deleteResource({ name: "bob", role: "admin" }, alerts, rid(A(1)))
        assert.strictEqual(again._tag, "AlreadyDeleted")
        const kept = Option.getOrThrow(yield* marker("alert", A(1)))
        assert.strictEqual(kept.timeDeleted?.getTime(), 5_000)
        assert.strictEqual(kept.deletedBy, "alice")
      }))

    test("deleting a row FM did not create leaves a tombstone (issue 18): no activation, routine or reconciling, brings it back", () =>
      Effect.gen(function*() {
        const v1 = yield* firstSitrep
        const alerts = yield* kindDescriptor("alert")
        // A1's row exists without a marker (data from before FM); the activation finds it AlreadyExists.
        assert.isTrue(yield* writeUnmarked(alert, v1.cases[0]!.requests["alert"]![0]!))
        assert.isTrue(Option.isNone(yield* marker("alert", A(1))))
        const first = yield* activateHeld(v1)
        assert.strictEqual(first.kinds["alert"]!.alreadyExisted, 1)
        assert.isTrue(Option.isNone(yield* marker("alert", A(1))))
        yield* TestClock.adjust(5_000)
        const outcome = yield* deleteResource(admin, alerts, rid(A(1)))
        assert.deepStrictEqual(outcome as unknown, { _tag: "Remove", stampMarker: true, fmCreated: false })
        const tombstone = Option.getOrThrow(yield* marker("alert", A(1)))
        assert.strictEqual(tombstone.deletedBy, "alice")
        assert.strictEqual(tombstone.timeDeleted?.getTime(), 5_000)
        // Judged from the current sitrep: its generation, no drop mark while it is requested.
        assert.strictEqual(tombstone.createdAtGeneration, 1n)
        assert.strictEqual(tombstone.droppedAtGeneration, null)
        const again = yield* deleteResource(admin, alerts, rid(A(1)))
        assert.strictEqual(again._tag, "AlreadyDeleted")
        // The history: S2 adds A3; neither a routine nor a reconciling activation re-creates A1.
        yield* publish({ id: S(2), parentId: S(1), cases: [{ id: C(1), alerts: [A(1), A(2), A(3)], bundles: [B(1)] }] })
        const v2 = yield* currentSitrep
        yield* activateHeld(v2)
        const reconciled = yield* activateHeld(v2, { mode: ActivationMode.Reconcile() })
        assert.strictEqual(reconciled.kinds["alert"]!.tombstoned, 1)
        assert.isTrue(Option.isNone(yield* row("alert", A(1))))
        // Dropped: the publish marks the tombstone, the sweep from the next generation collects it.
        yield* publish({ id: S(3), parentId: S(2), cases: [{ id: C(1), alerts: [A(2), A(3)], bundles: [B(1)] }] })
        yield* activateHeld(yield* currentSitrep)
        assert.isTrue(Option.isNone(yield* marker("alert", A(1))))
      }))

    test("deleting an unrequested row FM did not create marks its tombstone for the candidate sweep (issue 18)", () =>
      Effect.gen(function*() {
        yield* firstSitrep
        const alerts = yield* kindDescriptor("alert")
        const stray = requestOf(A(7), C(1), alertBody)
        assert.isTrue(yield* writeUnmarked(alert, stray))
        const outcome = yield* deleteResource(admin, alerts, rid(A(7)))
        assert.deepStrictEqual(outcome as unknown, { _tag: "Remove", stampMarker: true, fmCreated: false })
        const tombstone = Option.getOrThrow(yield* marker("alert", A(7)))
        assert.strictEqual(tombstone.createdAtGeneration, 1n)
        assert.strictEqual(tombstone.droppedAtGeneration, 1n)
        // While it stands, the id cannot be requested (SPEC 7.1: publishing refuses ids it knows).
        const refused = yield* Effect.flip(publish({ id: S(2), parentId: S(1), cases: [{ id: C(1), alerts: [A(1), A(2), A(7)], bundles: [B(1)] }] }))
        assert.strictEqual(refused._tag, "InvalidInput")
        // Not collectible at its own generation; the first sweep from a later one collects it.
        yield* activateHeld(yield* currentSitrep)
        assert.isTrue(Option.isSome(yield* marker("alert", A(7))))
        yield* publish({ id: S(2), parentId: S(1), cases: [{ id: C(1), alerts: [A(1)], bundles: [B(1)] }] })
        yield* activateHeld(yield* currentSitrep)
        assert.isTrue(Option.isNone(yield* marker("alert", A(7))))
      }))

    test("a viewer or an anonymous caller changes nothing and is told why", () =>
      Effect.gen(function*() {
        yield* activateHeld(yield* firstSitrep)
        const alerts = yield* kindDescriptor("alert")
        const refused = yield* Effect.flip(deleteResource(viewer, alerts, rid(A(1))))
        assert.strictEqual(refused._tag, "NotAuthorized")
        assert.match(refused.message, /victor has the viewer role/)
        const anonymous = yield* Effect.flip(deleteResource(null, alerts, rid(A(1))))
        assert.strictEqual(anonymous._tag, "NotAuthorized")
        const impostor = yield* Effect.flip(deleteResource({ name: "fm-executor", role: "admin" }, alerts, rid(A(1))))
        assert.strictEqual(impostor._tag, "NotAuthorized")
        assert.isTrue(Option.isSome(yield* row("alert", A(1))))
        assert.strictEqual(Option.getOrThrow(yield* marker("alert", A(1))).timeDeleted, null)
      }))

    test("deleting an unknown id is NotFound", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(deleteResource(admin, yield* kindDescriptor("alert"), rid(A(99))))
        assert.strictEqual(error._tag, "NotFound")
      }))

    test("a bundle moves to destroying with its tombstone stamped; the collector removes it", () =>
      Effect.gen(function*() {
        yield* activateHeld(yield* firstSitrep)
        const bundles = yield* kindDescriptor("support_bundle")
        const outcome = yield* deleteResource(admin, bundles, rid(B(1)))
        assert.deepStrictEqual(outcome as unknown, { _tag: "BeginDestroying", state: "destroying", stampMarker: true, fmCreated: true })
        assert.strictEqual(Option.getOrThrow(yield* row("support_bundle", B(1))).state, "destroying")
        assert.strictEqual(Option.getOrThrow(yield* marker("support_bundle", B(1))).deletedBy, "alice")
        const again = yield* deleteResource(admin, bundles, rid(B(1)))
        assert.strictEqual(again._tag, "AlreadyDeleted")
        const resources = yield* ResourceStore
        assert.strictEqual(yield* resources.finishDestroying(bundle, 10), 1)
        assert.isTrue(Option.isNone(yield* row("support_bundle", B(1))))
        assert.strictEqual(yield* resources.finishDestroying(bundle, 10), 0)
        // The executor holding the same sitrep must not bring it back.
        const report = yield* activateHeld(yield* currentSitrep, { executor: "executor-2" })
        assert.strictEqual(report.kinds["support_bundle"]!.skipped, true)
        const r = yield* resources.createGuarded(bundle, 1n as Generation, (yield* currentSitrep).cases[0]!.requests["support_bundle"]!)
        assert.deepStrictEqual(r as unknown, { _tag: "Applied", outcomes: [{ id: B(1), outcome: "Tombstoned" }] })
      }))

    test("operators can comment on bundles, not on kinds without comments", () =>
      Effect.gen(function*() {
        yield* activateHeld(yield* firstSitrep)
        const resources = yield* ResourceStore
        const grant = yield* Effect.flatMap(yield* authorization, (a) => a.requireAdmin(admin, "commenting"))
        assert.isTrue(yield* resources.setUserComment(grant, bundle, rid(B(1)), "checked by alice"))
        assert.strictEqual(Option.getOrThrow(yield* row("support_bundle", B(1))).fields["userComment"], "checked by alice")
        assert.isFalse(yield* resources.setUserComment(grant, bundle, rid(B(9)), "nothing"))
        assert.isFalse(yield* resources.setUserComment(grant, alert, rid(A(1)), "no comments on alerts"))
      }))

    test("list pages by id", () =>
      Effect.gen(function*() {
        yield* activateHeld(yield* firstSitrep)
        const resources = yield* ResourceStore
        const page1 = yield* resources.list(alert, { limit: 1 })
        assert.deepStrictEqual(page1.map((r) => r.id), [A(1)])
        const page2 = yield* resources.list(alert, { limit: 5, after: page1[0]!.id })
        assert.deepStrictEqual(page2.map((r) => r.id), [A(2)])
      }))
  })
