import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { guardPasses, requestOutcome } from "../src/rules/guard.ts"
import { g, marker } from "./fixtures.ts"

describe("the creation guard (SPEC 3.1)", () => {
  it("passes exactly when the held generation equals the current one", () => {
    fc.assert(fc.property(fc.bigInt({ min: 1n, max: 50n }), fc.bigInt({ min: 1n, max: 50n }), (held, current) => {
      expect(guardPasses(g(held), g(current))).toBe(held === current)
    }))
  })

  it("fails closed with no current sitrep or no generation on either side", () => {
    expect(guardPasses(g(1), undefined)).toBe(false)
    expect(guardPasses(undefined, g(1))).toBe(false)
    expect(guardPasses(undefined, undefined)).toBe(false)
  })

  it("a tombstone wins over everything, then any sign of existence", () => {
    expect(requestOutcome(marker({ timeDeleted: new Date(1), deletedBy: "a" }), true)).toBe("Tombstoned")
    expect(requestOutcome(marker({ timeDeleted: new Date(1), deletedBy: "a" }), false)).toBe("Tombstoned")
    expect(requestOutcome(marker(), false)).toBe("AlreadyExists")
    expect(requestOutcome(marker(), true)).toBe("AlreadyExists")
    expect(requestOutcome(undefined, true)).toBe("AlreadyExists")
    expect(requestOutcome(undefined, false)).toBe("Created")
  })
})
