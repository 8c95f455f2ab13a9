import { assert, describe, it } from "@effect/vitest"
import { Authorization, type KindName, pruneHistory, publishSitrep, type ResourceId, ResourceStore, SitrepStore } from "@fm-rendezvous/domain"
import { Effect, Layer } from "effect"
import { memoryTarget } from "./target.ts"

/**
 * Authorization as a capability (ARCHITECTURE, SPEC 3.2/7.2): every port call and use case that
 * changes operator-visible state takes an AdminGrant, and only `requireAdmin` (or the executors'
 * own `executorGrant`) makes one. The @ts-expect-error lines are checked by `tsc -b`: a call
 * without a grant does not compile.
 */
const typeLevelChecks = Effect.gen(function*() {
  const resources = yield* ResourceStore
  const sitreps = yield* SitrepStore
  const id = "0d6c9a8e-2f1b-4c4e-9d55-3b1c2a7f8e01" as ResourceId
  // @ts-expect-error a delete needs an AdminGrant, not an actor
  yield* resources.delete({ name: "victor", role: "viewer" }, "alert" as KindName, id)
  // @ts-expect-error an AdminGrant cannot be made up from a plain object
  yield* resources.setUserComment({ actor: "mallory" }, "support_bundle" as KindName, id, "hi")
  // @ts-expect-error publishing needs an AdminGrant
  yield* publishSitrep({ actor: "mallory" }, {})
  // @ts-expect-error pruning needs an AdminGrant
  yield* pruneHistory(1, 10)
  // @ts-expect-error the store's prune too
  yield* sitreps.prunePage(1, 10)
})
void typeLevelChecks

describe("authorization (SPEC 3.2, 7.2)", () => {
  const refused = [
    { who: "an anonymous caller", actor: null, says: /needs an actor with the admin role/ },
    { who: "a viewer", actor: { name: "victor", role: "viewer" as const }, says: /victor has the viewer role; publishing a sitrep needs admin/ },
    { who: "an operator claiming the executor identity", actor: { name: "fm-executor", role: "admin" as const }, says: /executors' own identity/ }
  ]
  for (const r of refused) {
    it.effect(`no grant for ${r.who}`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip((yield* Authorization).requireAdmin(r.actor, "publishing a sitrep"))
        assert.strictEqual(error._tag, "NotAuthorized")
        assert.match(error.message, r.says)
      }).pipe(Effect.provide(Layer.fresh(memoryTarget.layer))))
  }

  it.effect("an admin gets a grant in their own name; executors get theirs", () =>
    Effect.gen(function*() {
      const authz = yield* Authorization
      assert.strictEqual((yield* authz.requireAdmin({ name: "alice", role: "admin" }, "x")).actor, "alice")
      assert.strictEqual((yield* authz.executorGrant).actor, "fm-executor")
    }).pipe(Effect.provide(Layer.fresh(memoryTarget.layer))))
})
