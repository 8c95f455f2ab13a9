import { describe, expect, it } from "vitest"
import { alertKind } from "../src/kinds/alert.ts"
import { supportBundleKind } from "../src/kinds/supportBundle.ts"
import type { Resource } from "../src/model/resource.ts"
import { deletePlan, tombstoneFor } from "../src/rules/deletion.ts"
import type { Generation } from "../src/model/generation.ts"
import type { KindName, ResourceId } from "../src/model/ids.ts"
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
  it("removes an FM alert and stamps its marker; a plain alert is removed and gets a tombstone written (issue 18)", () => {
    expect(deletePlan(alertKind, row(null), marker())).toEqual({ _tag: "Remove", stampMarker: true, fmCreated: true })
    expect(deletePlan(alertKind, row(null), undefined)).toEqual({ _tag: "Remove", stampMarker: true, fmCreated: false })
  })

  it("the tombstone of a row FM did not create: the current generation, marked for the sweep unless requested (issue 18)", () => {
    const at = new Date(7)
    const requested = tombstoneFor("alert" as KindName, "r" as ResourceId, { generation: 4n as Generation, requested: true }, at, "alice")
    expect(requested).toMatchObject({ createdAtGeneration: 4n, droppedAtGeneration: null, timeDeleted: at, deletedBy: "alice" })
    const stray = tombstoneFor("alert" as KindName, "r" as ResourceId, { generation: 4n as Generation, requested: false }, at, "alice")
    expect(stray).toMatchObject({ createdAtGeneration: 4n, droppedAtGeneration: 4n })
    const noHistory = tombstoneFor("alert" as KindName, "r" as ResourceId, { generation: undefined, requested: false }, at, "alice")
    expect(noHistory).toMatchObject({ createdAtGeneration: 1n, droppedAtGeneration: 1n })
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
      expect(deletePlan(supportBundleKind, row(state), marker())).toEqual({ _tag: "BeginDestroying", state: "destroying", stampMarker: true, fmCreated: true })
    }
    expect(deletePlan(supportBundleKind, row("failed"), marker())).toEqual({ _tag: "Remove", stampMarker: true, fmCreated: true })
    // Destroying without a marker: deleted before, its tombstone collected once its id was dropped
    // for good. A second delete is AlreadyDeleted, not a second removal (the HTTP concurrency test
    // counted it as one: "deleted 2 times").
    expect(deletePlan(supportBundleKind, row("destroying"), undefined)).toEqual({ _tag: "AlreadyDeleted", at: null, by: null })
  })
})
