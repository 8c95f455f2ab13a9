import { describe } from "@effect/vitest"
import { activate, ActivationMode, type Generation, ProgressStore, ReportStore, requestsOf } from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"
import { TestClock } from "effect/testing"
import { CreationFaults } from "@fm-rendezvous/testkit/faults"
import { assert, type ContractTest, S, C, A, B, alert, marker, row, firstSitrep } from "./fixtures.ts"
import { activateHeld, currentSitrep, kind, publish } from "./helpers.ts"

export const progressContract = (test: ContractTest) =>
  describe("progress and reports (SPEC 2, 3.6)", () => {
    test("reconciliation is bounded in time from the shared record (issue 18): restarts and one-shot runs cannot dodge it", () =>
      Effect.gen(function*() {
        const within = 15 * 60_000
        const v1 = yield* firstSitrep
        const progress = yield* ProgressStore
        yield* TestClock.adjust(1_000)
        // Never reconciled by anyone: the first routine activation of any process reconciles.
        const first = yield* activate({ executor: "e1", held: v1, batchSize: 2, pageSize: 2, mode: ActivationMode.Routine(), reconcileWithinMillis: within })
        assert.isTrue(first.kinds["alert"]!.reconciled)
        assert.deepStrictEqual((yield* progress.readReconciled)["alert"], { at: new Date(1_000), by: "e1" })
        // A fresh process (its per-process counter at 1) a minute later: not due, routine.
        yield* TestClock.adjust(60_000)
        const restarted = yield* activate({ executor: "e2", held: v1, batchSize: 2, pageSize: 2, mode: ActivationMode.Routine(), reconcileWithinMillis: within })
        assert.isFalse(restarted.kinds["alert"]!.reconciled)
        assert.isTrue(restarted.kinds["alert"]!.skipped)
        // Past the bound since e1's: any activation, by anyone, reconciles and records it.
        yield* TestClock.adjust(within)
        const due = yield* activate({ executor: "e3", held: v1, batchSize: 2, pageSize: 2, mode: ActivationMode.Routine(), reconcileWithinMillis: within })
        assert.isTrue(due.kinds["alert"]!.reconciled)
        assert.isFalse(due.kinds["alert"]!.skipped)
        assert.deepStrictEqual((yield* progress.readReconciled)["alert"], { at: new Date(1_000 + 60_000 + within), by: "e3" })
        // Only forwards in time.
        yield* progress.recordReconciled(alert, { at: new Date(5), by: "late" })
        assert.strictEqual((yield* progress.readReconciled)["alert"]!.by, "e3")
        // A stale holder does not count as a reconciliation.
        yield* publish({ id: S(2), parentId: S(1), cases: [{ id: C(1), alerts: [A(1)], bundles: [B(1)] }] })
        yield* TestClock.adjust(within)
        const stale = yield* activate({ executor: "e4", held: v1, batchSize: 2, pageSize: 2, mode: ActivationMode.Routine(), reconcileWithinMillis: within })
        assert.isTrue(stale.kinds["alert"]!.stale)
        assert.strictEqual((yield* progress.readReconciled)["alert"]!.by, "e3")
      }))

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

    test("holding a sitrep with no requests of a kind that is stale for it: stale, and no progress recorded (issue 15)", () =>
      Effect.gen(function*() {
        yield* publish({ id: S(1), parentId: null, cases: [{ id: C(1), alerts: [A(1)] }] })
        yield* activateHeld(yield* currentSitrep)
        yield* publish({ id: S(2), parentId: S(1), cases: [{ id: C(1) }] })
        const v2 = yield* currentSitrep
        yield* publish({ id: S(3), parentId: S(2), cases: [{ id: C(1), alerts: [A(2)] }] })
        const report = (yield* activateHeld(v2, { executor: "stale" })).kinds["alert"]!
        assert.deepStrictEqual(
          [report.requested, report.generation, report.currentGeneration, report.stale, report.created, report.executedThrough],
          [0, 2n, 3n, true, 0, 1n]
        )
        const progress = (yield* Effect.flatMap(ProgressStore, (p) => p.readAll))["alert"]!
        assert.deepStrictEqual([progress.executedThrough!.generation, progress.executedThrough!.by], [1n, "executor-1"])
        // Bundles never changed (generation 1 everywhere): that kind is not stale.
        assert.isFalse((yield* activateHeld(v2, { executor: "stale" })).kinds["support_bundle"]!.stale)
      }))

    test("each request carries the generation at which it entered the lineage (issue 13)", () =>
      Effect.gen(function*() {
        yield* firstSitrep
        yield* publish({ id: S(2), parentId: S(1), cases: [{ id: C(1), alerts: [A(1), A(2), A(3)], bundles: [B(1)] }] })
        const v2 = yield* currentSitrep
        const entered = (k: string) => requestsOf(v2, kind(k)).map((r) => [r.id, r.enteredAt])
        assert.deepStrictEqual(entered("alert"), [[A(1), 1n], [A(2), 1n], [A(3), 2n]])
        assert.deepStrictEqual(entered("support_bundle"), [[B(1), 1n]])
      }))

    test("with progress at h, a routine activation executes only what entered after h; reconciling executes all", () =>
      Effect.gen(function*() {
        yield* activateHeld(yield* firstSitrep)
        yield* publish({ id: S(2), parentId: S(1), cases: [{ id: C(1), alerts: [A(1), A(2), A(3)], bundles: [B(1)] }] })
        const v2 = yield* currentSitrep
        const delta = (yield* activateHeld(v2, { batchSize: 1 })).kinds["alert"]!
        assert.deepStrictEqual([delta.requested, delta.created, delta.alreadyExisted, delta.executedThrough, delta.skipped], [3, 1, 0, 2n, false])
        const full = (yield* activateHeld(v2, { mode: ActivationMode.Reconcile() })).kinds["alert"]!
        assert.deepStrictEqual([full.created, full.alreadyExisted, full.skipped, full.sweepSkipped, full.reconciled], [0, 3, false, false, true])
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
