import { Context, type Effect } from "effect"
import type { StoreError } from "../errors.ts"
import type { AdminGrant } from "./authorization.ts"

/**
 * Issue 25, item 7: one process per executor name. A process that runs activations under a name
 * (`fm run`, `fm activate`) holds that name's lease, a row the database keeps; it renews it while
 * it runs and releases it when it stops. A process that was killed stops renewing and its lease
 * expires. Whether a lease is live is judged by the store's clock (the database's `now()`), never
 * by the process's, so two hosts with skewed clocks agree. The lease is advisory, like progress:
 * safety comes from the guard (SPEC 3.1); the lease keeps reports and progress from interleaving.
 */
export interface LeaseClaim {
  readonly executor: string
  readonly host: string
  readonly pid: number
  /** Random per process: what tells this process's lease from a restarted one's with the same pid. */
  readonly instance: string
  /** How long the lease holds without a renewal. */
  readonly ttlMillis: number
}

/** The process that holds (or last held) an executor name, as `fm status` shows it. */
export interface ExecutorProcess {
  readonly executor: string
  readonly host: string
  readonly pid: number
  readonly instance: string
  /** When this process took the name. */
  readonly startedAt: Date
  readonly renewedAt: Date
  readonly expiresAt: Date
  /** When the process gave the name up as it stopped; null while it runs, or when it was killed. */
  readonly releasedAt: Date | null
  /** The lease has not expired, by the store's clock. */
  readonly live: boolean
}

export type LeaseOutcome =
  /** The claim holds: taken (free, expired or released) or renewed (it was this instance's). */
  | { readonly _tag: "Held"; readonly lease: ExecutorProcess }
  /** Another process holds a live lease on the name: nothing was written. */
  | { readonly _tag: "HeldByAnother"; readonly holder: ExecutorProcess }

export type ForgetOutcome =
  | { readonly _tag: "Forgotten" }
  /** No report and no lease of that name. */
  | { readonly _tag: "Unknown" }
  /** A live process holds the name: nothing was removed. */
  | { readonly _tag: "Live"; readonly holder: ExecutorProcess }

export class ExecutorLeases extends Context.Service<ExecutorLeases, {
  /** Takes or renews the name's lease, in one atomic step (judged by the store's clock). */
  readonly claim: (claim: LeaseClaim) => Effect.Effect<LeaseOutcome, StoreError>
  /** Ends this instance's lease now (a graceful stop); a lease another instance took since is left alone. */
  readonly release: (executor: string, instance: string) => Effect.Effect<void, StoreError>
  /** Every lease, live or ended, by executor name. */
  readonly all: Effect.Effect<ReadonlyArray<ExecutorProcess>, StoreError>
  /**
   * Removes an old executor's last report and its ended lease (issue 25, item 11); refused while
   * a live process holds the name.
   */
  readonly forget: (grant: AdminGrant, executor: string) => Effect.Effect<ForgetOutcome, StoreError>
}>()("fm/ExecutorLeases") {}
