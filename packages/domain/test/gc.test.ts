import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { collectibility, type HeldSitrepView } from "../src/rules/gc.ts"
import { g, marker } from "./fixtures.ts"

const present = (generation: bigint, requested: boolean): HeldSitrepView => ({
  _tag: "Present",
  generation: g(generation),
  requests: () => requested
})

describe("the GC eligibility rule (SPEC 3.3)", () => {
  it("collectible iff the sitrep exists, does not request the id, and the marker is strictly older", () => {
    fc.assert(fc.property(
      fc.bigInt({ min: 1n, max: 20n }),
      fc.bigInt({ min: 1n, max: 20n }),
      fc.boolean(),
      fc.boolean(),
      fc.boolean(),
      (created, held, requested, missing, tombstoned) => {
        const m = marker({ createdAtGeneration: g(created), timeDeleted: tombstoned ? new Date(1) : null })
        const view: HeldSitrepView = missing ? { _tag: "Missing" } : present(held, requested)
        expect(collectibility(m, view).collectible).toBe(!missing && !requested && created < held)
      }
    ))
  })

  it("preserves a marker created at the same generation as the held sitrep", () => {
    const verdict = collectibility(marker({ createdAtGeneration: g(4) }), present(4n, false))
    expect(verdict.collectible).toBe(false)
    expect(verdict.reason).toMatch(/created at generation 4, not before the generation of the sitrep \(4\)/)
  })

  it("says why a requested marker stays", () => {
    expect(collectibility(marker(), present(3n, true)).reason).toBe("the sitrep (generation 3) still requests it")
  })

  it("fails closed when the sitrep was pruned or has no generation for the kind", () => {
    expect(collectibility(marker(), { _tag: "Missing" }).collectible).toBe(false)
    expect(collectibility(marker(), { _tag: "Present", generation: undefined, requests: () => false }).collectible).toBe(false)
  })
})
