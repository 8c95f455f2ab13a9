import { assert, it } from "@effect/vitest"
import { activate, ActivationMode, ProgressStore, StoreError } from "@fm-rendezvous/domain"
import { Effect, Layer } from "effect"
import { currentSitrep, publish } from "../contract/helpers.ts"
import { uuid } from "../support/documents.ts"
import { memoryTarget } from "./target.ts"

/** A progress table that can be neither read nor written (e.g. permissions revoked). */
const brokenProgress = Layer.succeed(ProgressStore, {
  readAll: Effect.fail(new StoreError({ message: "permission denied for table execution_progress" })),
  recordExecuted: () => Effect.fail(new StoreError({ message: "permission denied for table execution_progress" })),
  recordSwept: () => Effect.fail(new StoreError({ message: "permission denied for table execution_progress" })),
  readReconciled: Effect.fail(new StoreError({ message: "permission denied for table kind_reconciliation" })),
  recordReconciled: () => Effect.fail(new StoreError({ message: "permission denied for table kind_reconciliation" }))
})

it.effect("progress is advisory (SPEC 2): when it cannot be read or written, creation and sweeps still happen", () =>
  Effect.gen(function*() {
    yield* publish({ id: uuid(1, 5), parentId: null, cases: [{ id: uuid(1, 0xc), alerts: [uuid(1, 0xa), uuid(2, 0xa)] }] })
    const s1 = yield* currentSitrep
    const first = yield* activate({ executor: "e1", held: s1, batchSize: 10, pageSize: 10, mode: ActivationMode.Routine() })
    assert.strictEqual(first.kinds["alert"]!.created, 2)
    assert.match(first.kinds["alert"]!.errors.map((e) => e.message).join(" | "), /recording execution progress failed.*reading progress failed, so nothing was skipped/)
    yield* publish({ id: uuid(2, 5), parentId: uuid(1, 5), cases: [{ id: uuid(1, 0xc), alerts: [uuid(1, 0xa)] }] })
    const second = yield* activate({ executor: "e1", held: yield* currentSitrep, batchSize: 10, pageSize: 10, mode: ActivationMode.Routine() })
    assert.strictEqual(second.kinds["alert"]!.markersSwept, 1)
    assert.isFalse(second.kinds["alert"]!.skipped)
  }).pipe(Effect.provide(Layer.provideMerge(brokenProgress, Layer.fresh(memoryTarget.layer)))))
