import { pruneAsAdmin } from "../support/ports.ts"
import { assert, describe, it } from "@effect/vitest"
import {
  type CandidateCursor,
  deleteResource,
  explain,
  type Generation,
  MarkerStore,
  ProgressStore,
  ReportStore,
  ResourceStore,
  type Request,
  SitrepStore,
  type SweepPage,
  sweepKind
} from "@fm-rendezvous/domain"
import { Effect, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import { uuid } from "../support/documents.ts"
import { CreationFaults } from "../support/faults.ts"
import type { PortTarget } from "../support/ports.ts"
import { activateHeld, admin, currentSitrep, kind, publish, rid, sitrepAt, viewer } from "./helpers.ts"

const S = (n: number) => uuid(n, 0x5)
const C = (n: number) => uuid(n, 0xc)
const A = (n: number) => uuid(n, 0xa)
const B = (n: number) => uuid(n, 0xb)
const W = (n: number) => uuid(n, 0xd)
const alert = kind("alert")
const bundle = kind("support_bundle")
const widget = kind("widget")

const marker = (k: string, id: string) => Effect.flatMap(MarkerStore, (m) => m.get(kind(k), rid(id)))
const row = (k: string, id: string) => Effect.flatMap(ResourceStore, (r) => r.get(kind(k), rid(id)))
const requestOf = (id: string, caseId: string, body: Record<string, unknown>) => ({ id, caseId, body }) as unknown as Request
const alertBody = { class: "hardware.power_shelf.psu.remove", payload: { shelf: 0, slot: 2 }, comment: "" }

/** v1 requests alerts A1, A2 and bundle B1; returns the stored sitrep. */
const firstSitrep = publish({ id: S(1), parentId: null, cases: [{ id: C(1), alerts: [A(1), A(2)], bundles: [B(1)] }] }).pipe(
  Effect.andThen(currentSitrep)
)

/**
 * The port contract (ARCHITECTURE: "the contract suite proves both adapters agree on every
 * outcome"). Every adapter runs it unchanged; each test gets a fresh, empty store.
 */
export const portContract = (target: PortTarget) =>
  describe(`port contract: ${target.name}`, () => {
    const test = (name: string, body: () => Effect.Effect<void, unknown, any>) =>
      it.effect(name, () => body().pipe(Effect.provide(Layer.fresh(target.layer))) as Effect.Effect<void, unknown, never>)

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

    describe("operator delete (SPEC 3.2)", () => {
      test("deleting an FM alert removes the row and stamps the marker; again keeps the first stamp", () =>
        Effect.gen(function*() {
          yield* activateHeld(yield* firstSitrep)
          const alerts = yield* kindDescriptor("alert")
          yield* TestClock.adjust(5_000)
          const first = yield* deleteResource(admin, alerts, rid(A(1)))
          assert.deepStrictEqual(first as unknown, { _tag: "Remove", stampMarker: true })
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
          assert.deepStrictEqual(outcome as unknown, { _tag: "BeginDestroying", state: "destroying", stampMarker: true })
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
          assert.isFalse(yield* Effect.flatMap(MarkerStore, (m) => m.isCandidate(alert, rid(A(2)))))
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

      test("candidates above the held generation are left for a later sweep", () =>
        Effect.gen(function*() {
          const s1 = yield* firstSitrep
          yield* activateHeld(s1)
          yield* publish({ id: S(2), parentId: S(1), cases: [{ id: C(1), alerts: [A(1)], bundles: [B(1)] }] })
          const fromV1 = yield* sweepKind(alert, S(1) as never, 10, false)
          assert.strictEqual(fromV1.swept, 0)
          assert.isTrue(yield* Effect.flatMap(MarkerStore, (m) => m.isCandidate(alert, rid(A(2)))))
          const fromV2 = yield* sweepKind(alert, S(2) as never, 10, false)
          assert.strictEqual(fromV2.swept, 1)
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

    describe("progress and reports (SPEC 2, 3.6)", () => {
      test("progress reads without writing and only moves forward", () =>
        Effect.gen(function*() {
          const progress = yield* ProgressStore
          assert.deepStrictEqual(yield* progress.readAll, {})
          yield* progress.recordExecuted(alert, { generation: 3n as Generation, at: new Date(3), by: "e1" })
          yield* progress.recordExecuted(alert, { generation: 2n as Generation, at: new Date(4), by: "e2" })
          yield* progress.recordSwept(alert, { generation: 1n as Generation, at: new Date(5), by: "e1" })
          const all = yield* progress.readAll
          assert.strictEqual(all["alert"]!.executedThrough!.generation, 3n)
          assert.strictEqual(all["alert"]!.executedThrough!.by, "e1")
          assert.strictEqual(all["alert"]!.sweptThrough!.generation, 1n)
          assert.isUndefined(all["support_bundle"])
        }))

      test("an activation executes, sweeps, and the next one skips the done work", () =>
        Effect.gen(function*() {
          const s1 = yield* firstSitrep
          const first = yield* activateHeld(s1)
          const a = first.kinds["alert"]!
          assert.deepStrictEqual(
            [a.requested, a.created, a.alreadyExisted, a.tombstoned, a.stale, a.executedThrough, a.skipped],
            [2, 2, 0, 0, false, 1n, false]
          )
          const second = yield* activateHeld(s1, { executor: "executor-2" })
          assert.isTrue(second.kinds["alert"]!.skipped)
          assert.isTrue(second.kinds["alert"]!.sweepSkipped)
          const latest = yield* Effect.flatMap(ReportStore, (r) => r.latest)
          assert.deepStrictEqual(latest.map((r) => r.executor), ["executor-1", "executor-2"])
        }))

      test("a stale executor creates nothing and says so", () =>
        Effect.gen(function*() {
          const s1 = yield* firstSitrep
          yield* publish({ id: S(2), parentId: S(1), cases: [{ id: C(1), alerts: [A(1), A(2), A(3)], bundles: [B(1)] }] })
          const report = yield* activateHeld(s1)
          assert.isTrue(report.kinds["alert"]!.stale)
          assert.strictEqual(report.kinds["alert"]!.created, 0)
          assert.strictEqual(report.kinds["alert"]!.currentGeneration, 2n)
          assert.isNull(report.kinds["alert"]!.executedThrough)
          assert.isTrue(Option.isNone(yield* row("alert", A(1))))
          // Bundles are still at generation 1 in the current sitrep: that kind proceeds.
          assert.strictEqual(report.kinds["support_bundle"]!.created, 1)
        }))

      test("one kind failing persistently holds up neither the other's creation nor any sweep", () =>
        Effect.gen(function*() {
          const faults = yield* CreationFaults
          const s1 = yield* firstSitrep
          yield* faults.setFailing("alert", true)
          const report = yield* activateHeld(s1)
          assert.isAbove(report.kinds["alert"]!.errorCount, 0)
          assert.isNull(report.kinds["alert"]!.executedThrough)
          assert.strictEqual(report.kinds["support_bundle"]!.created, 1)
          assert.strictEqual(report.kinds["support_bundle"]!.executedThrough, 1n)
          yield* publish({ id: S(2), parentId: S(1), cases: [{ id: C(1), alerts: [A(1), A(2)] }] })
          const next = yield* activateHeld(yield* currentSitrep)
          assert.strictEqual(next.kinds["support_bundle"]!.markersSwept, 1)
          assert.isTrue(Option.isNone(yield* marker("support_bundle", B(1))))
          yield* faults.setFailing("alert", false)
          const healed = yield* activateHeld(yield* currentSitrep)
          assert.strictEqual(healed.kinds["alert"]!.created, 2)
          assert.strictEqual(healed.kinds["alert"]!.executedThrough, 1n)
        }))
    })

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
  })

import { Authorization, Kinds } from "@fm-rendezvous/domain"
const kindDescriptor = (name: string) => Effect.map(Kinds, (k) => Option.getOrThrow(k.find(name)))
const authorization = Effect.succeed(Authorization)
