import type { Generation } from "../model/generation.ts"

/**
 * Execution progress per kind (SPEC 2): advisory, never used for safety. It only lets an
 * activation skip work, and reports lag.
 */
export interface ProgressMark {
  readonly generation: Generation
  readonly at: Date
  readonly by: string
}

export interface KindProgress {
  /** Highest generation whose requests were all accounted for (created, existed, tombstoned). */
  readonly executedThrough: ProgressMark | null
  /** Highest generation whose marker sweep completed. */
  readonly sweptThrough: ProgressMark | null
}

export const noProgress: KindProgress = { executedThrough: null, sweptThrough: null }

/** Monotonic advance: progress never goes backwards (SPEC 4, monotonicity). */
export const advance = (current: ProgressMark | null, next: ProgressMark): ProgressMark =>
  current !== null && current.generation >= next.generation ? current : next

const reached = (mark: ProgressMark | null, generation: Generation | undefined): boolean =>
  mark !== null && generation !== undefined && mark.generation >= generation

/** SPEC 3.6: an activation does no per-request work for a generation already fully executed. */
export const executionDone = (p: KindProgress, held: Generation | undefined): boolean =>
  reached(p.executedThrough, held)

/** SPEC 3.4: a sweep is skipped when the held generation was already swept. */
export const sweepDone = (p: KindProgress, held: Generation | undefined): boolean => reached(p.sweptThrough, held)

/**
 * How many generations execution trails the current one (SPEC 2: progress reports lag): 0 when
 * caught up, null when there is no current generation to trail.
 */
export const lag = (executedThrough: bigint | null, current: bigint | null | undefined): bigint | null => {
  if (current === null || current === undefined) return null
  const behind = current - (executedThrough ?? 0n)
  return behind > 0n ? behind : 0n
}
