import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { decodeSitrepDocument } from "../src/model/document.ts"
import { doc, registry } from "./fixtures.ts"

const message = (input: unknown) => {
  const r = decodeSitrepDocument(registry)(input)
  return Result.isFailure(r) ? r.failure : "valid"
}
const base = doc({ id: 1, parent: null, cases: [{ id: 1, alerts: [1], bundles: [2] }] })

describe("the sitrep document (SPEC 7.1)", () => {
  it("accepts the documented shape, generations optional", () => {
    expect(message(base)).toBe("valid")
    expect(message({ ...base, generations: { alert: 1, support_bundle: "1" } })).toBe("valid")
  })

  it("names the field and the problem in one sentence", () => {
    expect(message({ ...base, extra: 1 })).toBe("The sitrep document is invalid: extra is not a known field.")
    expect(message({ ...base, id: "nope" })).toMatch(/^The sitrep document is invalid: id must be a UUID/)
    expect(message({ ...base, comment: "x".repeat(4097) })).toMatch(/comment is longer than 4096 bytes/)
    expect(message({ ...base, comment: "é".repeat(2049) })).toMatch(/comment is longer than 4096 bytes/)
    expect(message({ ...base, comment: "é".repeat(2048) })).toBe("valid")
    expect(message({ ...base, creatorId: "bad\u0007" })).toMatch(/creatorId contains a control character/)
    expect(message({ ...base, generations: { alert: 0 } })).toMatch(/generations\.alert must be a whole number from 1/)
    expect(message({ ...base, cases: [{ ...base.cases[0], closed: "no" }] })).toMatch(/cases\[0\]\.closed must be a boolean/)
    expect(message(null)).toMatch(/must be an object/)
    expect(message({ ...base, cases: [{ ...base.cases[0], alertRequests: [{ id: base.cases[0]!.alertRequests[0]!.id }] }] }))
      .toMatch(/cases\[0\]\.alertRequests\[0\]\.class is required/)
  })

  it("names every problem at once (issue 25.9): unknown fields first, then the fields in document order", () => {
    const c = base.cases[0]!
    expect(message({ ...base, id: "nope", extra: 1, cases: [{ ...c, closed: "no", alertRequests: [{ id: c.alertRequests[0]!.id }] }] })).toBe(
      "The sitrep document is invalid: extra is not a known field; id must be a UUID such as 0d6c9a8e-2f1b-4c4e-9d55-3b1c2a7f8e01; cases[0].closed must be a boolean; " +
        "cases[0].alertRequests[0].class is required; cases[0].alertRequests[0].payload is required; cases[0].alertRequests[0].comment is required."
    )
  })
})
