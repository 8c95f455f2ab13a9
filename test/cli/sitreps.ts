import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** Fixed ids so failures name recognisable resources. */
export const ids = {
  sitrep1: "11111111-1111-4111-8111-111111111111",
  sitrep2: "22222222-2222-4222-8222-222222222222",
  sitrep3: "33333333-3333-4333-8333-333333333333",
  caseA: "aaaaaaaa-0000-4000-8000-000000000001",
  alert1: "a1a1a1a1-0000-4000-8000-000000000001",
  alert2: "a2a2a2a2-0000-4000-8000-000000000002",
  alert3: "a3a3a3a3-0000-4000-8000-000000000003",
  bundle1: "b1b1b1b1-0000-4000-8000-000000000001",
  unknown: "0d6c9a8e-2f1b-4c4e-9d55-3b1c2a7f8e01"
} as const

const alert = (id: string) => ({ id, class: "hardware.power_shelf.psu.remove", payload: { shelf: 0, slot: 2 }, comment: "" })

/** A SPEC 7.1 document with one case carrying the given alerts and the bundle. */
export const sitrepDocument = (id: string, parentId: string | null, alerts: ReadonlyArray<string>, extra: Record<string, unknown> = {}) => ({
  id,
  parentId,
  creatorId: "planner-1",
  comment: "psu removed on shelf 0",
  cases: [{
    id: ids.caseA,
    comment: "shelf 0 psu 2",
    closed: false,
    alertRequests: alerts.map(alert),
    supportBundleRequests: [{ id: ids.bundle1, reason: "psu removal diagnostics", comment: "" }]
  }],
  ...extra
})

const dir = mkdtempSync(join(tmpdir(), "fm-cli-"))

/** Writes a document (or raw text) to a file and returns its path. */
export const writeDocument = (name: string, content: unknown): string => {
  const path = join(dir, name)
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content, null, 2))
  return path
}
