import type { Generation } from "../model/generation.ts"
import type { SitrepRequest } from "../model/sitrep.ts"

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

/**
 * Which requests of the held generation g an activation executes (SPEC 3.6 and issue 13), given
 * execution progress at h:
 * - `Done` when h >= g: every request of g was accounted for; no per-request work.
 * - `After(h)` when h < g: only the requests that entered the lineage after h. One that entered
 *   at or before h and is still carried at g was carried at h too (requests carry over unchanged
 *   and ids never reappear), so it was accounted for then; since then it can only have been
 *   tombstoned (the tombstone stays) or lost its marker to the GC, which needs a later generation
 *   that no longer requests it, and then g is stale and the guard refuses anyway.
 * - `All` without progress.
 * Progress stays advisory: a wrong row can make an activation skip requests it should have
 * executed (convergence waits, until a reconciliation pass executes `All`), never create one the
 * guard and the markers would refuse. docs/ARCHITECTURE.md, "Delta activation", has the argument.
 */
export type ExecutionPlan =
  | { readonly _tag: "Done" }
  | { readonly _tag: "After"; readonly executed: Generation }
  | { readonly _tag: "All" }

export const executionPlan = (p: KindProgress, held: Generation): ExecutionPlan =>
  executionDone(p, held)
    ? { _tag: "Done" }
    : p.executedThrough === null
    ? { _tag: "All" }
    : { _tag: "After", executed: p.executedThrough.generation }

/** The requests an execution plan executes, in the sitrep's order. */
export const requestsToExecute = (plan: ExecutionPlan, requests: ReadonlyArray<SitrepRequest>): ReadonlyArray<SitrepRequest> =>
  plan._tag === "Done" ? [] : plan._tag === "All" ? requests : requests.filter((r) => r.enteredAt > plan.executed)

/** When a kind's last reconciliation (every request executed, the full marker pass) completed, and by whom. */
export interface Reconciled {
  readonly at: Date
  readonly by: string
}

/**
 * Issue 18: a routine activation reconciles a kind when no executor reconciled it within
 * `withinMillis` (or ever), judged from the shared record, so the bound on how long a wrong
 * progress row or a missed GC candidate can delay anything is time, whatever the restarts.
 */
export const reconciliationDue = (last: Reconciled | undefined, now: Date, withinMillis: number): boolean =>
  last === undefined || now.getTime() - last.at.getTime() >= withinMillis

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
