import { Result, Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  FIRST_GENERATION,
  type Generation,
  generationToJson,
  GenerationFromJson,
  MAX_GENERATION,
  nextGeneration
} from "../src/model/generation.ts"

const decode = Schema.decodeUnknownResult(GenerationFromJson)
const message = (v: unknown) => {
  const r = decode(v)
  return Result.isFailure(r) ? r.failure.message : "decoded"
}

describe("Generation", () => {
  it("starts at 1 and next() adds one", () => {
    expect(FIRST_GENERATION).toBe(1n)
    expect(Result.getOrThrow(nextGeneration(FIRST_GENERATION))).toBe(2n)
  })

  it("next() fails at 2^63-1 instead of wrapping", () => {
    const r = nextGeneration(MAX_GENERATION as Generation)
    expect(Result.isFailure(r)).toBe(true)
    expect(Result.isFailure(r) ? r.failure.message : "").toMatch(/no successor/)
    expect(Result.getOrThrow(nextGeneration((MAX_GENERATION - 1n) as Generation))).toBe(MAX_GENERATION)
  })

  it("decodes the boundaries: 1 and 2^63-1 (as a string) are valid", () => {
    expect(Result.getOrThrow(decode(1))).toBe(1n)
    expect(Result.getOrThrow(decode("9223372036854775807"))).toBe(MAX_GENERATION)
    expect(Result.getOrThrow(decode(Number.MAX_SAFE_INTEGER))).toBe(BigInt(Number.MAX_SAFE_INTEGER))
  })

  it("refuses 0, negatives, fractions and values above 2^63-1 with a clear message", () => {
    for (const bad of [0, -1, 1.5, "0", "-7", "9223372036854775808", "1e3"]) {
      expect(message(bad)).toMatch(/whole number from 1 to 9223372036854775807/)
    }
    expect(message(2 ** 60)).not.toBe("decoded")
    expect(message(null)).not.toBe("decoded")
  })

  it("round-trips through JSON: numbers while safe, decimal strings above", () => {
    fc.assert(fc.property(fc.bigInt({ min: 1n, max: MAX_GENERATION }), (g) => {
      const json = generationToJson(g as Generation)
      expect(typeof json).toBe(g <= BigInt(Number.MAX_SAFE_INTEGER) ? "number" : "string")
      expect(Result.getOrThrow(decode(JSON.parse(JSON.stringify(json))))).toBe(g)
    }))
  })
})
