import { describe } from "@effect/vitest"
import { SitrepStore } from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"
import { pruneAsAdmin } from "../support/ports.ts"
import { assert, type ContractTest, S, C, A } from "./fixtures.ts"
import { currentSitrep, publish } from "./helpers.ts"

export const historyContract = (test: ContractTest) =>
  describe("history pruning (SPEC 3.5)", () => {
    test("keeps the newest N versions, removes the rest in pages, never the current one", () =>
      Effect.gen(function*() {
        yield* publish({ id: S(1), parentId: null, cases: [] })
        for (let v = 2; v <= 5; v++) yield* publish({ id: S(v), parentId: S(v - 1), cases: [{ id: C(v), alerts: [A(v)] }] })
        const result = yield* pruneAsAdmin(2, 1)
        assert.strictEqual(result.historyRemoved, 3)
        assert.strictEqual(result.sitrepsRemoved, 3)
        assert.isAtLeast(result.pages, 3)
        const store = yield* SitrepStore
        assert.deepStrictEqual(Option.getOrThrow(yield* store.historyRange), { oldest: 4, newest: 5 })
        assert.isTrue(Option.isNone(yield* store.byVersion(3 as never)))
        assert.isFalse(yield* store.exists(S(3) as never))
        assert.strictEqual((yield* currentSitrep).id, S(5))
        const again = yield* pruneAsAdmin(1, 10)
        assert.strictEqual(again.historyRemoved, 1)
        assert.strictEqual((yield* currentSitrep).id, S(5))
      }))
  })
