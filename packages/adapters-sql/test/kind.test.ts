import { assert, describe, it } from "@effect/vitest"
import { alertKind, makeRegistry, supportBundleKind } from "@fm-rendezvous/domain"
import { Effect } from "effect"
import { alertSqlKind, columnValues, defaultSqlKinds, sqlKind, supportBundleSqlKind } from "../src/kind.ts"
import { makeSqlKindRegistry } from "../src/kinds.ts"

describe("SQL kind descriptors (resource kinds are data)", () => {
  it("name their tables after the kind's table", () => {
    assert.deepStrictEqual(
      [alertSqlKind.resourceTable, alertSqlKind.markerTable, alertSqlKind.candidateIndex, alertSqlKind.legacyCandidateTable],
      ["alert", "alert_marker", "alert_marker_dropped", "alert_gc_candidate"]
    )
    assert.strictEqual(supportBundleSqlKind.candidateIndex, "support_bundle_marker_dropped")
  })

  it("refuse names that are not plain identifiers, reserved columns, and tables used twice", () => {
    assert.throws(() => sqlKind(alertKind, "alert; DROP TABLE x", []))
    assert.throws(() => sqlKind(alertKind, "x", [{ field: "f", column: "state", type: "text" }]))
    const other = { ...alertKind, name: "other" as never, documentField: "others" }
    assert.throws(() => makeSqlKindRegistry(makeRegistry([alertKind, supportBundleKind, other]), [...defaultSqlKinds, { ...alertSqlKind, kind: other }]))
  })

  it("are derived from the domain registry: its order, every kind described, lookups refused for others", () => {
    const registry = makeSqlKindRegistry(makeRegistry([supportBundleKind, alertKind]), defaultSqlKinds)
    assert.deepStrictEqual(registry.all.map((k) => k.resourceTable), ["support_bundle", "alert"])
    assert.throws(() => makeSqlKindRegistry(makeRegistry([alertKind, supportBundleKind]), [alertSqlKind]), /no SQL descriptor/)
    const only = makeSqlKindRegistry(makeRegistry([alertKind]), defaultSqlKinds)
    assert.strictEqual(Effect.runSync(Effect.flip(only.lookup(supportBundleKind.name))).message, "resource kind support_bundle is not registered with the SQL adapter")
  })

  it("take column values from the domain's resourceFields: JSON as text, text as is", () => {
    const request = { id: "r" as never, caseId: "c" as never, body: { class: "k", payload: { slot: 2 }, comment: "" } }
    assert.deepStrictEqual(columnValues(alertSqlKind, [request]), [["k"], ['{"slot":2}']])
    const bundle = { id: "r" as never, caseId: "c" as never, body: { reason: "why", comment: "" } }
    assert.deepStrictEqual(columnValues(supportBundleSqlKind, [bundle]), [["why"], [null]])
  })
})
