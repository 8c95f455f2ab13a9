import { describe } from "@effect/vitest"
import { deleteResource, type Generation, ResourceStore } from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"
import { assert, type ContractTest, S, C, A, B, W, alert, bundle, widget, marker, row, requestOf, alertBody, kindDescriptor, firstSitrep } from "./fixtures.ts"
import { activateHeld, admin, currentSitrep, kind, publish, rid } from "./helpers.ts"

export const guardContract = (test: ContractTest) =>
  describe("guarded creation (SPEC 3.1)", () => {
    test("creates each requested resource with its marker, then reports AlreadyExists", () =>
      Effect.gen(function*() {
        const s1 = yield* firstSitrep
        const resources = yield* ResourceStore
        const requests = s1.cases[0]!.requests["alert"]!
        const first = yield* resources.createGuarded(alert, 1n as Generation, requests)
        assert.deepStrictEqual(first as unknown, { _tag: "Applied", outcomes: [{ id: A(1), outcome: "Created" }, { id: A(2), outcome: "Created" }] })
        const again = yield* resources.createGuarded(alert, 1n as Generation, requests)
        assert.deepStrictEqual(again as unknown, { _tag: "Applied", outcomes: [{ id: A(1), outcome: "AlreadyExists" }, { id: A(2), outcome: "AlreadyExists" }] })
        const m = Option.getOrThrow(yield* marker("alert", A(1)))
        assert.strictEqual(m.createdAtGeneration, 1n)
        assert.strictEqual(m.timeDeleted, null)
        const r = Option.getOrThrow(yield* row("alert", A(1)))
        assert.strictEqual(r.caseId, C(1))
        assert.deepStrictEqual(r.fields, { class: alertBody.class, payload: alertBody.payload })
      }))

    test("a stale generation writes nothing for the whole batch and names the current one", () =>
      Effect.gen(function*() {
        const s1 = yield* firstSitrep
        yield* publish({ id: S(2), parentId: S(1), cases: [{ id: C(1), alerts: [A(1), A(2), A(3)], bundles: [B(1)] }] })
        const resources = yield* ResourceStore
        const stale = yield* resources.createGuarded(alert, 1n as Generation, s1.cases[0]!.requests["alert"]!)
        assert.deepStrictEqual(stale as unknown, { _tag: "StaleSitrep", currentGeneration: 2n })
        assert.isTrue(Option.isNone(yield* row("alert", A(1))))
        assert.isTrue(Option.isNone(yield* marker("alert", A(1))))
        const ahead = yield* resources.createGuarded(alert, 3n as Generation, s1.cases[0]!.requests["alert"]!)
        assert.strictEqual(ahead._tag, "StaleSitrep")
      }))

    test("a batch naming an id twice gets one outcome for it", () =>
      Effect.gen(function*() {
        const s1 = yield* firstSitrep
        const [a1] = s1.cases[0]!.requests["alert"]!
        const result = yield* (yield* ResourceStore).createGuarded(alert, 1n as Generation, [a1!, a1!])
        assert.deepStrictEqual(result as unknown, { _tag: "Applied", outcomes: [{ id: A(1), outcome: "Created" }] })
      }))

    test("with no history at all the guard fails closed", () =>
      Effect.gen(function*() {
        const resources = yield* ResourceStore
        const result = yield* resources.createGuarded(alert, 1n as Generation, [requestOf(A(1), C(1), alertBody)])
        assert.deepStrictEqual(result as unknown, { _tag: "StaleSitrep", currentGeneration: null })
        assert.isTrue(Option.isNone(yield* row("alert", A(1))))
      }))

    test("a tombstoned id is reported Tombstoned and not re-created", () =>
      Effect.gen(function*() {
        const s1 = yield* firstSitrep
        const resources = yield* ResourceStore
        yield* resources.createGuarded(alert, 1n as Generation, s1.cases[0]!.requests["alert"]!)
        yield* deleteResource(admin, (yield* kindDescriptor("alert")), rid(A(1)))
        const result = yield* resources.createGuarded(alert, 1n as Generation, s1.cases[0]!.requests["alert"]!)
        assert.deepStrictEqual(result as unknown, { _tag: "Applied", outcomes: [{ id: A(1), outcome: "Tombstoned" }, { id: A(2), outcome: "AlreadyExists" }] })
        assert.isTrue(Option.isNone(yield* row("alert", A(1))))
      }))

    test("each kind is guarded by its own generation", () =>
      Effect.gen(function*() {
        const s1 = yield* firstSitrep
        yield* publish({ id: S(2), parentId: S(1), cases: [{ id: C(1), alerts: [A(1)], bundles: [B(1)] }] })
        const resources = yield* ResourceStore
        const bundles = yield* resources.createGuarded(bundle, 1n as Generation, s1.cases[0]!.requests["support_bundle"]!)
        assert.deepStrictEqual(bundles as unknown, { _tag: "Applied", outcomes: [{ id: B(1), outcome: "Created" }] })
        assert.strictEqual(Option.getOrThrow(yield* row("support_bundle", B(1))).state, "collecting")
        const alerts = yield* resources.createGuarded(alert, 1n as Generation, s1.cases[0]!.requests["alert"]!)
        assert.strictEqual(alerts._tag, "StaleSitrep")
      }))

    test("the throwaway test kind goes through the same guard", () =>
      Effect.gen(function*() {
        yield* publish({ id: S(1), parentId: null, cases: [{ id: C(1), widgets: [W(1)] }] })
        const s1 = yield* currentSitrep
        const report = yield* activateHeld(s1)
        assert.strictEqual(report.kinds["widget"]!.created, 1)
        assert.deepStrictEqual(Option.getOrThrow(yield* row("widget", W(1))).fields, { size: 3 })
      }))
  })
