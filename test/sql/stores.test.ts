import { adminGrant } from "../support/ports.ts"
import { publishAsAdmin } from "../support/ports.ts"
import { assert, describe, layer } from "@effect/vitest"
import {
  type Actor,
  Authorization,
  type KindName,
  MarkerStore,
  ProgressStore,
  type Request,
  ResourceStore,
  type ResourceId,
  SitrepStore,
  sweepKind
} from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"
import { freshSqlLayer, uuid } from "./fixtures.ts"

const admin: Actor = { name: "alice", role: "admin" }
const alert = "alert" as KindName
const bundle = "support_bundle" as KindName
const widget = "widget" as KindName

const doc = (id: string, parentId: string | null, cases: ReadonlyArray<Record<string, unknown>>) => ({
  id, parentId, creatorId: "planner-1", comment: "", cases
})

const alertReq = (id: string) => ({ id, class: "hardware.psu.remove", payload: { slot: 2 }, comment: "" })
const bundleReq = (id: string) => ({ id, reason: "diagnostics", comment: "" })
const widgetReq = (id: string) => ({ id, size: 3, comment: "" })

describe("SQL stores, one statement at a time", () => {
  layer(freshSqlLayer())((it) => {
    it.effect("publish, guarded create, delete with tombstone, sweep, per kind", () =>
      Effect.gen(function*() {
        const sitreps = yield* SitrepStore
        const resources = yield* ResourceStore
        const markers = yield* MarkerStore
        const authz = yield* Authorization
        const [s1, s2, c1, a1, a2, b1, w1] = [uuid(), uuid(), uuid(), uuid(), uuid(), uuid(), uuid()]

        // Before any publish the guard fails closed.
        const empty = yield* resources.createGuarded(alert, 1n as never, [])
        assert.deepStrictEqual(empty, { _tag: "StaleSitrep", currentGeneration: null })

        const first = yield* publishAsAdmin(doc(s1, null, [{
          id: c1, comment: "c", closed: false,
          alertRequests: [alertReq(a1), alertReq(a2)], supportBundleRequests: [bundleReq(b1)], widgetRequests: [widgetReq(w1)]
        }]))
        assert.strictEqual(first.version, 1)
        const held = Option.getOrThrow(yield* sitreps.current)
        assert.strictEqual(held.cases[0]!.requests[alert]!.length, 2)
        assert.deepStrictEqual(held.cases[0]!.requests[widget]![0]!.body, { size: 3, comment: "" })

        const requestsOf = (k: KindName): ReadonlyArray<Request> => held.cases.flatMap((c) => c.requests[k] ?? [])
        const created = yield* resources.createGuarded(alert, held.generations[alert]!, requestsOf(alert))
        assert.deepStrictEqual(created as unknown, { _tag: "Applied", outcomes: [{ id: a1, outcome: "Created" }, { id: a2, outcome: "Created" }] })
        const again = yield* resources.createGuarded(alert, held.generations[alert]!, requestsOf(alert))
        assert.deepStrictEqual(again as unknown, { _tag: "Applied", outcomes: [{ id: a1, outcome: "AlreadyExists" }, { id: a2, outcome: "AlreadyExists" }] })
        for (const k of [bundle, widget]) {
          const r = yield* resources.createGuarded(k, held.generations[k]!, requestsOf(k))
          assert.strictEqual(r._tag, "Applied")
        }
        const w = Option.getOrThrow(yield* resources.get(widget, w1 as ResourceId))
        assert.deepStrictEqual(w.fields, { size: 3 })
        const b = Option.getOrThrow(yield* resources.get(bundle, b1 as ResourceId))
        assert.strictEqual(b.state, "collecting")

        // Stale generation: nothing written.
        const stale = yield* resources.createGuarded(alert, 2n as never, requestsOf(alert))
        assert.deepStrictEqual(stale as unknown, { _tag: "StaleSitrep", currentGeneration: 1n })

        // Operator delete: tombstone, then re-create is Tombstoned.
        const grant = yield* authz.requireAdmin(admin, "test")
        const del = yield* resources.delete(grant, alert, a1 as ResourceId)
        assert.deepStrictEqual(del, { _tag: "Remove", stampMarker: true, fmCreated: true })
        const del2 = yield* resources.delete(grant, alert, a1 as ResourceId)
        assert.strictEqual(del2._tag, "AlreadyDeleted")
        const after = yield* resources.createGuarded(alert, held.generations[alert]!, requestsOf(alert))
        assert.deepStrictEqual(after as unknown, { _tag: "Applied", outcomes: [{ id: a1, outcome: "Tombstoned" }, { id: a2, outcome: "AlreadyExists" }] })
        const bdel = yield* resources.delete(grant, bundle, b1 as ResourceId)
        assert.deepStrictEqual(bdel, { _tag: "BeginDestroying", state: "destroying", stampMarker: true, fmCreated: true })
        assert.strictEqual(yield* resources.finishDestroying(bundle, 10), 1)

        // Drop a1 and w1: their markers are marked dropped; a sweep from the new sitrep collects them.
        const second = yield* publishAsAdmin(doc(s2, s1, [{
          id: c1, comment: "c", closed: false,
          alertRequests: [alertReq(a2)], supportBundleRequests: [bundleReq(b1)], widgetRequests: []
        }]))
        assert.strictEqual(second.version, 2)
        assert.strictEqual(Option.getOrThrow(yield* markers.get(alert, a1 as ResourceId)).droppedAtGeneration, 2n)
        assert.isNull(Option.getOrThrow(yield* markers.get(alert, a2 as ResourceId)).droppedAtGeneration)
        const swept = yield* sweepKind(alert, s2 as never, 10, false)
        assert.deepStrictEqual(swept, { swept: 1, pages: 1, sitrepMissing: false })
        assert.isTrue(Option.isNone(yield* markers.get(alert, a1 as ResourceId)))
        const wswept = yield* sweepKind(widget, s2 as never, 10, true)
        assert.strictEqual(wswept.swept, 1)
        const known = yield* sitreps.knownRequestIds(alert, [a1 as ResourceId, uuid() as ResourceId])
        assert.deepStrictEqual(known as unknown, [a1])

        // Progress is monotonic.
        const progress = yield* ProgressStore
        yield* progress.recordExecuted(alert, { generation: 2n as never, at: new Date(0), by: "e1" })
        yield* progress.recordExecuted(alert, { generation: 1n as never, at: new Date(1), by: "e2" })
        const all = yield* progress.readAll
        assert.strictEqual(all[alert]!.executedThrough!.by, "e1")
        assert.strictEqual(all[alert]!.sweptThrough, null)

        // Prune keeps the current one.
        const pruned = yield* sitreps.prunePage(yield* adminGrant, 1, 10)
        assert.deepStrictEqual(pruned, { historyRemoved: 1, sitrepsRemoved: 1, pages: 1, done: true })
        assert.isFalse(yield* sitreps.exists(s1 as never))
        assert.isTrue(yield* sitreps.exists(s2 as never))
        const sm = yield* markers.sweepCandidates(alert, s1 as never, null, 10)
        assert.deepStrictEqual(sm, { _tag: "SitrepMissing" })
      }))
  })
})
