import { assert, describe, layer } from "@effect/vitest"
import { SitrepStore } from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"
import { SqlClient } from "effect/sql"
import { alertRequest, freshId, sitrepDoc } from "../support/documents.ts"
import { publishAsAdmin } from "../support/ports.ts"
import { freshSqlLayer } from "./fixtures.ts"

const refusal = (document: unknown) =>
  publishAsAdmin(document).pipe(
    Effect.map(() => "published"),
    Effect.catch((e) => Effect.succeed(e.message))
  )

// Issue 19: a publish compares a carried request's body by the digest stored with its row. Rows the
// core-4 migration moved have none (NULL): the parent's outline reads their body and digests it
// by the same rule, so they are compared exactly as rows with a digest.
describe("a carried request stored without a digest (rows the migration moved)", () => {
  layer(freshSqlLayer())((it) => {
    it.effect("is compared by its body's digest: unchanged it is carried, changed it is refused in the same sentence", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const [a, b, c1] = [freshId(), freshId(), freshId()]
        const first = freshId()
        assert.strictEqual(yield* refusal(sitrepDoc({ id: first, parentId: null, cases: [{ id: c1, alerts: [a, b] }] })), "published")
        const stored = yield* sql<{ digest: string | null }>`SELECT digest FROM lineage_request WHERE id = ${a}`
        assert.match(stored[0]!.digest!, /^[0-9a-f]{64}$/)
        const outlineWith = Option.getOrThrow(yield* Effect.flatMap(SitrepStore, (s) => s.currentOutline))
        yield* sql`UPDATE lineage_request SET digest = NULL`
        // The outline gives the same digests, computed from the bodies.
        const outlineWithout = Option.getOrThrow(yield* Effect.flatMap(SitrepStore, (s) => s.currentOutline))
        assert.deepStrictEqual(outlineWithout, outlineWith)

        const changed = sitrepDoc({ id: freshId(), parentId: first, cases: [{ id: c1, alerts: [a, b] }] })
        changed.cases[0]!.alertRequests[1] = { ...alertRequest(b), payload: { shelf: 9, slot: 9 } }
        assert.strictEqual(
          yield* refusal(changed),
          `The sitrep cannot be published: alert request ${b} differs from the parent's; a request is immutable, give a changed request a new id.`
        )
        // The same change as a delta (dropped and added again): the same refusal.
        const delta = {
          id: freshId(),
          parentId: first,
          creatorId: "planner-1",
          comment: "",
          changes: { cases: [{ id: c1, comment: "a case", closed: false, alertRequests: [changed.cases[0]!.alertRequests[1]] }], dropped: { alertRequests: [b] } }
        }
        assert.strictEqual(yield* refusal(delta), yield* refusal(changed))
        // Unchanged, whatever the key order: carried, nothing written for it.
        const same = sitrepDoc({ id: freshId(), parentId: first, cases: [{ id: c1, alerts: [a, b] }] })
        same.cases[0]!.alertRequests[0] = { comment: "", payload: { slot: 2, shelf: 0 }, id: a, class: alertRequest(a).class } as never
        assert.strictEqual(yield* refusal(same), "published")
        const rows = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM lineage_request`
        assert.strictEqual(rows[0]!.n, 2)
      }), 60_000)
  })
})
