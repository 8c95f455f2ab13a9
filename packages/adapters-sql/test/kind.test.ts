import { assert, describe, it } from "@effect/vitest"
import { alertKind } from "@fm-rendezvous/domain"
import { alertSqlKind, columnValues, defaultSqlKinds, makeSqlKindRegistry, sqlKind, supportBundleSqlKind } from "../src/kind.ts"

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
    assert.throws(() => makeSqlKindRegistry([...defaultSqlKinds, { ...alertSqlKind, kind: { ...alertKind, name: "other" as never } }]))
  })

  it("take column values from the domain's resourceFields: JSON as text, text as is", () => {
    const request = { id: "r" as never, caseId: "c" as never, body: { class: "k", payload: { slot: 2 }, comment: "" } }
    assert.deepStrictEqual(columnValues(alertSqlKind, [request]), [["k"], ['{"slot":2}']])
    const bundle = { id: "r" as never, caseId: "c" as never, body: { reason: "why", comment: "" } }
    assert.deepStrictEqual(columnValues(supportBundleSqlKind, [bundle]), [["why"], [null]])
  })
})
