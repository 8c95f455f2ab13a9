import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Schedule } from "effect"
import { RETRY_BASE_MILLIS, RETRY_CAP_MILLIS, RETRY_TIMES, retryDelayMillis, retrySchedule } from "../src/retry.ts"

/** The capped ceiling of re-run i (from 0): 5 ms doubling, at most the cap. */
const ceiling = (i: number) => Math.min(RETRY_CAP_MILLIS, RETRY_BASE_MILLIS * 2 ** i)

/** The delays the retry schedule gives for re-runs 0..n-1 of one failing step. */
const delaysOf = (n: number) =>
  Effect.gen(function*() {
    const step = yield* Schedule.toStep(retrySchedule)
    const delays: Array<number> = []
    for (let i = 0; i < n; i++) {
      const [, delay] = yield* step(Date.now(), undefined)
      delays.push(Duration.toMillis(delay))
    }
    return delays
  })

describe("retry backoff (issue 20, item 6): exponential, capped, jittered", () => {
  it("a delay lies between half the capped ceiling and all of it", () => {
    for (let i = 0; i < 20; i++) {
      expect(retryDelayMillis(RETRY_BASE_MILLIS * 2 ** i, 0)).toBe(ceiling(i) / 2)
      expect(retryDelayMillis(RETRY_BASE_MILLIS * 2 ** i, 0.999999)).toBeLessThan(ceiling(i))
      expect(retryDelayMillis(RETRY_BASE_MILLIS * 2 ** i, 0.999999)).toBeGreaterThan(ceiling(i) * 0.99)
    }
    expect(retryDelayMillis(1e9, 0.999999)).toBeLessThanOrEqual(RETRY_CAP_MILLIS)
  })

  it.effect("the schedule's delays stay within the jitter bound, never above the cap, and are spread", () =>
    Effect.gen(function*() {
      const runs: Array<Array<number>> = []
      for (let r = 0; r < 200; r++) runs.push(yield* delaysOf(RETRY_TIMES + 4))
      for (const run of runs) {
        run.forEach((d, i) => {
          expect(d).toBeGreaterThanOrEqual(ceiling(i) / 2)
          expect(d).toBeLessThanOrEqual(ceiling(i))
        })
      }
      // Jitter: racing steps that failed together do not wait alike. Of 200 runs, the 4th delay
      // (ceiling 40 ms, bound 20..40) takes many values and covers most of its range.
      const fourth = runs.map((run) => run[3]!)
      expect(new Set(fourth).size).toBeGreaterThan(100)
      expect(Math.max(...fourth) - Math.min(...fourth)).toBeGreaterThan(15)
      // The waiting of all RETRY_TIMES re-runs is bounded by the sum of the capped ceilings.
      const total = Array.from({ length: RETRY_TIMES }, (_, i) => ceiling(i)).reduce((a, b) => a + b, 0)
      expect(total).toBe(815)
      for (const run of runs) expect(run.slice(0, RETRY_TIMES).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(total)
    }))
})
