import { describe } from "@effect/vitest"
import { Kinds, makeRegistry, SitrepStore } from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"
import { assert, type ContractTest, S, C, A, B, W, alert, widget, alertBody, firstSitrep, row } from "./fixtures.ts"
import { activateHeld, currentSitrep, kind, publish, sitrepAt } from "./helpers.ts"
import { sitrepDoc } from "../support/documents.ts"
import { testKinds } from "../support/kinds.ts"
import { publishAsAdmin, pruneAsAdmin } from "../support/ports.ts"

export const publishingContract = (test: ContractTest) =>
  describe("publishing (SPEC 2, 3.5, 7.1)", () => {
    test("a first sitrep becomes version 1 with every kind at generation 1", () =>
      Effect.gen(function*() {
        const published = yield* publish({ id: S(1), parentId: null, cases: [{ id: C(1), alerts: [A(1)] }] })
        assert.strictEqual(published.version, 1)
        const s = yield* currentSitrep
        assert.deepStrictEqual(s.generations as unknown, { alert: 1n, support_bundle: 1n, widget: 1n })
        assert.strictEqual(s.cases[0]!.firstSitrepId, S(1))
        assert.deepStrictEqual(s.cases[0]!.requests["alert"]!.map((r) => r.id), [A(1)])
        assert.deepStrictEqual(s.cases[0]!.requests["alert"]![0]!.body, alertBody)
      }))

    test("a kind's generation never goes back (issue 18): a kind that leaves the sitreps continues above its highest, pruned or not", () =>
      Effect.gen(function*() {
        yield* publish({ id: S(1), parentId: null, cases: [{ id: C(1), alerts: [A(1)], widgets: [W(1)] }] })
        yield* publish({ id: S(2), parentId: S(1), cases: [{ id: C(1), alerts: [A(1)], widgets: [W(1), W(2)] }] })
        yield* publish({ id: S(3), parentId: S(2), cases: [{ id: C(1), alerts: [A(1)], widgets: [W(1), W(2), W(3)] }] })
        const v3 = yield* currentSitrep
        assert.strictEqual(v3.generations["widget"], 3n)
        // Widget progress at 3, as an executor leaves it.
        yield* activateHeld(v3)
        // A release that does not know the widget kind publishes: the kind leaves the sitreps.
        const withoutWidgets = makeRegistry(testKinds.filter((k) => k.name !== "widget"))
        const v4doc = sitrepDoc({ id: S(4), parentId: S(3), cases: [{ id: C(1), alerts: [A(1)] }] })
        for (const c of v4doc.cases) delete (c as { widgetRequests?: unknown }).widgetRequests
        yield* publishAsAdmin(v4doc).pipe(Effect.provideService(Kinds, withoutWidgets))
        assert.isUndefined((yield* currentSitrep).generations["widget"])
        // Every sitrep that had the kind is pruned: the stored record still knows 3.
        yield* pruneAsAdmin(1, 10)
        assert.deepStrictEqual((yield* Effect.flatMap(SitrepStore, (st) => st.highestGenerations))["widget"], 3n)
        // The kind comes back: generation 4, not 1, and a stated generation 1 is refused naming why.
        const refused = yield* Effect.flip(publish({ id: S(5), parentId: S(4), cases: [{ id: C(1), alerts: [A(1)], widgets: [W(4)] }], generations: { alert: 1, support_bundle: 1, widget: 1 } }))
        assert.match(refused.message, /widgets must be at generation 4 \(the kind continues above 3, the highest generation it had in this lineage\)/)
        yield* publish({ id: S(5), parentId: S(4), cases: [{ id: C(1), alerts: [A(1)], widgets: [W(4)] }] })
        const v5 = yield* currentSitrep
        assert.strictEqual(v5.generations["widget"], 4n)
        assert.strictEqual(v5.cases[0]!.requests["widget"]![0]!.enteredAt, 4n)
        // The old progress row (3) no longer makes the routine activation skip the kind.
        const report = yield* activateHeld(v5)
        assert.strictEqual(report.kinds["widget"]!.created, 1)
        assert.isTrue(Option.isSome(yield* row("widget", W(4))))
      }))

    test("the child bumps exactly the kinds whose request set changed", () =>
      Effect.gen(function*() {
        yield* firstSitrep
        yield* publish({ id: S(2), parentId: S(1), cases: [{ id: C(1), alerts: [A(1), A(2), A(3)], bundles: [B(1)] }] })
        assert.deepStrictEqual((yield* currentSitrep).generations as unknown, { alert: 2n, support_bundle: 1n, widget: 1n })
        yield* publish({ id: S(3), parentId: S(2), cases: [{ id: C(1), alerts: [A(1), A(2), A(3)] }] })
        const s3 = yield* currentSitrep
        assert.deepStrictEqual(s3.generations as unknown, { alert: 2n, support_bundle: 2n, widget: 1n })
        assert.strictEqual(s3.version, 3)
      }))

    test("a parent that is not current is refused and nothing is written", () =>
      Effect.gen(function*() {
        yield* firstSitrep
        yield* publish({ id: S(2), parentId: S(1), cases: [] })
        const error = yield* Effect.flip(publish({ id: S(3), parentId: S(1), cases: [] }))
        assert.strictEqual(error._tag, "ParentNotCurrent")
        assert.strictEqual((yield* currentSitrep).id, S(2))
        const orphan = yield* Effect.flip(publish({ id: S(4), parentId: null, cases: [] }))
        assert.strictEqual(orphan._tag, "ParentNotCurrent")
        const range = yield* Effect.flatMap(SitrepStore, (s) => s.historyRange)
        assert.deepStrictEqual(Option.getOrThrow(range), { oldest: 1, newest: 2 })
      }))

    test("a first sitrep must have no parent", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(publish({ id: S(1), parentId: S(9), cases: [] }))
        assert.strictEqual(error._tag, "ParentNotCurrent")
        assert.isTrue(Option.isNone(yield* Effect.flatMap(SitrepStore, (s) => s.current)))
      }))

    test("stated generations must match the derivation, naming the kind", () =>
      Effect.gen(function*() {
        yield* firstSitrep
        const error = yield* Effect.flip(publish({
          id: S(2),
          parentId: S(1),
          generations: { alert: 1, support_bundle: 1 },
          cases: [{ id: C(1), alerts: [A(1)], bundles: [B(1)] }]
        }))
        assert.strictEqual(error._tag, "InvalidInput")
        assert.match(error.message, /generations\.alert is 1, but alerts must be at generation 2/)
        yield* publish({ id: S(2), parentId: S(1), generations: { alert: 2 }, cases: [{ id: C(1), alerts: [A(1)], bundles: [B(1)] }] })
      }))

    test("an id dropped earlier in the lineage cannot reappear", () =>
      Effect.gen(function*() {
        yield* firstSitrep
        yield* publish({ id: S(2), parentId: S(1), cases: [{ id: C(1), alerts: [A(1)], bundles: [B(1)] }] })
        const error = yield* Effect.flip(
          publish({ id: S(3), parentId: S(2), cases: [{ id: C(1), alerts: [A(1), A(2)], bundles: [B(1)] }] })
        )
        assert.strictEqual(error._tag, "InvalidInput")
        assert.match(error.message, /alert request .* was dropped earlier in the lineage/)
      }))

    test("a sitrep id is never reused", () =>
      Effect.gen(function*() {
        yield* firstSitrep
        yield* publish({ id: S(2), parentId: S(1), cases: [] })
        const error = yield* Effect.flip(publish({ id: S(1), parentId: S(2), cases: [] }))
        assert.strictEqual(error._tag, "InvalidInput")
        assert.match(error.message, /published before/)
      }))

    test("the same document published again is answered as published; the same id with other content is refused", () =>
      Effect.gen(function*() {
        yield* firstSitrep
        const child = { id: S(2), parentId: S(1), cases: [{ id: C(1), alerts: [A(2), A(1)], bundles: [B(1)] }] }
        const published = yield* publish(child)
        assert.isFalse(published.alreadyPublished)
        // A retry, with the requests in another order: the same sitrep, nothing written.
        const again = yield* publish({ ...child, cases: [{ ...child.cases[0]!, alerts: [A(1), A(2)] }] })
        assert.deepStrictEqual(again, { ...published, alreadyPublished: true })
        assert.deepStrictEqual(Option.getOrThrow(yield* Effect.flatMap(SitrepStore, (s) => s.historyRange)), { oldest: 1, newest: 2 })
        const other = yield* Effect.flip(publish({ ...child, cases: [{ ...child.cases[0]!, alerts: [A(2)] }] }))
        assert.strictEqual(other._tag, "InvalidInput")
        assert.strictEqual(
          other.message,
          `The sitrep cannot be published: sitrep ${S(2)} was published before (version 2) with other content; a sitrep id is never reused, so give this one a new id.`
        )
        // The first sitrep once it is no longer current is refused as before, not answered as published.
        assert.strictEqual((yield* Effect.flip(publish({ id: S(1), parentId: null, cases: [{ id: C(1), alerts: [A(1), A(2)], bundles: [B(1)] }] })))._tag, "ParentNotCurrent")
      }))

    test("cases record the sitrep that first carried them and the one that closed them", () =>
      Effect.gen(function*() {
        yield* firstSitrep
        yield* publish({ id: S(2), parentId: S(1), cases: [{ id: C(1), alerts: [A(1), A(2)], bundles: [B(1)], closed: true }] })
        yield* publish({ id: S(3), parentId: S(2), cases: [{ id: C(1), alerts: [A(1), A(2)], bundles: [B(1)], closed: true }] })
        const c = (yield* currentSitrep).cases[0]!
        assert.strictEqual(c.firstSitrepId, S(1))
        assert.strictEqual(c.closedSitrepId, S(2))
        assert.strictEqual((yield* sitrepAt(1)).cases[0]!.closedSitrepId, null)
      }))
  })
