import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { SitrepRequest } from "../src/model/sitrep.ts"
import {
  advance,
  executionDone,
  executionPlan,
  lag,
  noProgress,
  type ProgressMark,
  requestsToExecute,
  sweepDone
} from "../src/rules/progress.ts"
import { g } from "./fixtures.ts"

const mark = (n: bigint): ProgressMark => ({ generation: g(n), at: new Date(Number(n)), by: "e" })

describe("execution progress (SPEC 2, 3.6)", () => {
  it("never goes backwards, whatever order marks arrive in", () => {
    fc.assert(fc.property(fc.array(fc.bigInt({ min: 1n, max: 100n }), { minLength: 1 }), (gens) => {
      const final = gens.reduce<ProgressMark | null>((p, n) => advance(p, mark(n)), null)
      expect(final?.generation).toBe(gens.reduce((a, b) => (a > b ? a : b)))
    }))
  })

  it("skips work only for generations already reached", () => {
    const p = { executedThrough: mark(5n), sweptThrough: mark(3n) }
    expect(executionDone(p, g(5))).toBe(true)
    expect(executionDone(p, g(4))).toBe(true)
    expect(executionDone(p, g(6))).toBe(false)
    expect(executionDone(p, undefined)).toBe(false)
    expect(executionDone(noProgress, g(1))).toBe(false)
    expect(sweepDone(p, g(3))).toBe(true)
    expect(sweepDone(p, g(4))).toBe(false)
  })

  it("executes what entered after the executed generation, all of it without progress, nothing once done (issue 13)", () => {
    const request = (id: string, entered: bigint) => ({ id, caseId: "c", body: {}, enteredAt: g(entered) }) as unknown as SitrepRequest
    const requests = [request("a", 1n), request("b", 2n), request("c", 3n), request("d", 4n)]
    const ids = (p: ReturnType<typeof executionPlan>) => requestsToExecute(p, requests).map((r) => r.id)
    expect(ids(executionPlan({ executedThrough: mark(2n), sweptThrough: null }, g(4)))).toEqual(["c", "d"])
    expect(ids(executionPlan(noProgress, g(4)))).toEqual(["a", "b", "c", "d"])
    expect(executionPlan({ executedThrough: mark(4n), sweptThrough: null }, g(4))._tag).toBe("Done")
    expect(executionPlan({ executedThrough: mark(9n), sweptThrough: null }, g(4))._tag).toBe("Done")
    expect(ids(executionPlan({ executedThrough: mark(9n), sweptThrough: null }, g(4)))).toEqual([])
  })

  it("reports lag behind the current generation", () => {
    expect(lag(5n, g(7))).toBe(2n)
    expect(lag(7n, g(7))).toBe(0n)
    expect(lag(8n, g(7))).toBe(0n)
    expect(lag(null, g(3))).toBe(3n)
    expect(lag(null, undefined)).toBe(null)
    expect(lag(4n, null)).toBe(null)
  })
})
