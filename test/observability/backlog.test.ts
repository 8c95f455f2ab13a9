import { assert, describe, it, layer } from "@effect/vitest"
import { memoryLayer } from "@fm-rendezvous/adapters-memory"
import { backlogGaugesLayer } from "@fm-rendezvous/app/observability/daemonMetrics"
import {
  activate,
  ActivationMode,
  CollectionBacklog,
  Kinds,
  markersAwaitingCollection,
  oldestMarkerAwaitingCollection,
  refreshBacklogGauges,
  SitrepStore
} from "@fm-rendezvous/domain"
import { Effect, Layer, Metric, Option } from "effect"
import { TestClock } from "effect/testing"
import { freshSqlLayer } from "../sql/fixtures.ts"
import { sitrepDoc, uuid } from "../support/documents.ts"
import { testKinds } from "../support/kinds.ts"
import { publishAsAdmin, pruneAsAdmin } from "../support/ports.ts"

/**
 * SPEC 9's database gauges, on both adapters: after a publish drops K ids, the kind's
 * `fm_markers_awaiting_collection` is K and the age of the oldest is the time since that publish,
 * until a sweep collects them; then 0 and 0. Kinds with nothing awaiting show 0 and 0 throughout.
 */
const gauges = (kind: string) =>
  Effect.gen(function*() {
    yield* refreshBacklogGauges
    const awaiting = yield* Metric.value(Metric.withAttributes(markersAwaitingCollection, { kind }))
    const age = yield* Metric.value(Metric.withAttributes(oldestMarkerAwaitingCollection, { kind }))
    return { awaiting: awaiting.value, age: age.value }
  })

const alerts = Array.from({ length: 12 }, (_, i) => uuid(i + 1, 0xa1))
const K = 5

const scenario = Effect.gen(function*() {
  const sitreps = yield* SitrepStore
  const run = (version: number) =>
    Effect.flatMap(sitreps.byVersion(version as never), (held) =>
      activate({ executor: "gauges", held: Option.getOrThrow(held), batchSize: 100, pageSize: 100, mode: ActivationMode.Routine() }))
  assert.deepStrictEqual(yield* gauges("alert"), { awaiting: 0, age: 0 })

  yield* publishAsAdmin(sitrepDoc({ id: uuid(1, 0x51), parentId: null, cases: [{ id: uuid(1, 0xc), alerts }] }))
  yield* run(1)
  assert.deepStrictEqual(yield* gauges("alert"), { awaiting: 0, age: 0 })

  // Version 2 drops K alerts, 40 s after version 1; its executor has not run yet.
  yield* TestClock.adjust("40 seconds")
  yield* publishAsAdmin(sitrepDoc({ id: uuid(2, 0x51), parentId: uuid(1, 0x51), cases: [{ id: uuid(1, 0xc), alerts: alerts.slice(K) }] }))
  yield* TestClock.adjust("90 seconds")
  assert.deepStrictEqual(yield* gauges("alert"), { awaiting: K, age: 90 })
  assert.deepStrictEqual(yield* gauges("support_bundle"), { awaiting: 0, age: 0 })
  yield* TestClock.adjust("10 seconds")
  assert.deepStrictEqual(yield* gauges("alert"), { awaiting: K, age: 100 })

  // Version 3 (20 s later) changes only bundles; history is then pruned to it alone: no sitrep
  // in history carries the dropped ids any more, so the age counts from the oldest version kept,
  // a lower bound.
  yield* TestClock.adjust("20 seconds")
  yield* publishAsAdmin(sitrepDoc({ id: uuid(3, 0x51), parentId: uuid(2, 0x51), cases: [{ id: uuid(1, 0xc), alerts: alerts.slice(K), bundles: [uuid(1, 0xb)] }] }))
  yield* TestClock.adjust("30 seconds")
  assert.deepStrictEqual(yield* gauges("alert"), { awaiting: K, age: 150 })
  yield* pruneAsAdmin(1, 10)
  assert.deepStrictEqual(yield* gauges("alert"), { awaiting: K, age: 30 })

  // The sweep of the current sitrep's activation collects them.
  const report = yield* run(3)
  assert.strictEqual(report.kinds["alert"]!.markersSwept, K)
  assert.deepStrictEqual(yield* gauges("alert"), { awaiting: 0, age: 0 })
}).pipe(Effect.provideService(Metric.MetricRegistry, new Map()))

describe("collection backlog gauges: memory", () => {
  layer(memoryLayer(testKinds))((it) => {
    it.effect("after a drop of K ids: K and the drop's age until a sweep, then 0 and 0", () => scenario)
  })
})

describe("collection backlog gauges: PostgreSQL", () => {
  layer(freshSqlLayer())((it) => {
    it.effect("after a drop of K ids: K and the drop's age until a sweep, then 0 and 0", () => scenario)
  })
})

describe("collection backlog gauges: refreshed at most every 15 s", () => {
  it.effect("the daemon's refresher reads the database once per 15 s, however often it is asked for", () =>
    Effect.gen(function*() {
      let reads = 0
      const counting = Layer.succeed(CollectionBacklog, {
        awaiting: () => Effect.sync(() => (reads += 1, 0)),
        oldestDroppedAt: () => Effect.succeed(Option.none())
      })
      yield* Effect.scoped(Effect.gen(function*() {
        yield* Layer.build(backlogGaugesLayer.pipe(Layer.provide(Layer.merge(counting, Kinds.layer(testKinds)))))
        yield* TestClock.adjust("1 millis")
        assert.strictEqual(reads, testKinds.length)
        yield* TestClock.adjust("14 seconds")
        assert.strictEqual(reads, testKinds.length)
        yield* TestClock.adjust("1 seconds")
        assert.strictEqual(reads, 2 * testKinds.length)
        yield* TestClock.adjust("60 seconds")
        assert.strictEqual(reads, 6 * testKinds.length)
      }))
    }).pipe(Effect.provideService(Metric.MetricRegistry, new Map())))
})
