import { describe, expect, it } from "vitest"
import { alertKind } from "../src/kinds/alert.ts"
import { supportBundleKind } from "../src/kinds/supportBundle.ts"
import type { Resource } from "../src/model/resource.ts"
import { deletePlan } from "../src/rules/deletion.ts"
import { marker } from "./fixtures.ts"

const row = (state: string | null): Resource => ({
  kind: "x" as Resource["kind"],
  id: "r" as Resource["id"],
  caseId: null,
  timeCreated: new Date(0),
  state,
  fields: {}
})
const tomb = marker({ timeDeleted: new Date(5), deletedBy: "alice" })

describe("the delete plan (SPEC 3.2)", () => {
  it("removes an FM alert and stamps its marker; a plain alert is only removed", () => {
    expect(deletePlan(alertKind, row(null), marker())).toEqual({ _tag: "Remove", stampMarker: true })
    expect(deletePlan(alertKind, row(null), undefined)).toEqual({ _tag: "Remove", stampMarker: false })
  })

  it("keeps the first deletion", () => {
    expect(deletePlan(alertKind, undefined, tomb)).toEqual({ _tag: "AlreadyDeleted", at: new Date(5), by: "alice" })
    expect(deletePlan(supportBundleKind, row("destroying"), tomb)._tag).toBe("AlreadyDeleted")
  })

  it("nothing to delete without a row (a live marker alone is not a resource)", () => {
    expect(deletePlan(alertKind, undefined, undefined)).toEqual({ _tag: "NotFound" })
    expect(deletePlan(alertKind, undefined, marker())).toEqual({ _tag: "NotFound" })
  })

  it("bundles go through destroying unless failed", () => {
    for (const state of ["collecting", "active", "failing"]) {
      expect(deletePlan(supportBundleKind, row(state), marker())).toEqual({ _tag: "BeginDestroying", state: "destroying", stampMarker: true })
    }
    expect(deletePlan(supportBundleKind, row("failed"), marker())).toEqual({ _tag: "Remove", stampMarker: true })
    expect(deletePlan(supportBundleKind, row("destroying"), undefined)._tag).toBe("AlreadyDeleted")
  })
})
