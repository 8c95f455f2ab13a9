import { Context, type Effect } from "effect"
import type { StoreError } from "../errors.ts"
import type { KindName } from "../model/ids.ts"
import type { KindProgress, ProgressMark, Reconciled } from "../rules/progress.ts"

export class ProgressStore extends Context.Service<ProgressStore, {
  /** Reads every kind's progress without writing anything (the review's "version 0" smell). */
  readonly readAll: Effect.Effect<Readonly<Record<string, KindProgress>>, StoreError>
  /** Monotonic: a lower generation than the stored one changes nothing. */
  readonly recordExecuted: (kind: KindName, mark: ProgressMark) => Effect.Effect<void, StoreError>
  readonly recordSwept: (kind: KindName, mark: ProgressMark) => Effect.Effect<void, StoreError>
  /**
   * When each kind was last reconciled, by any executor (issue 18): the shared record that bounds
   * reconciliation in time (`reconciliationDue`), so restarts and one-shot runs cannot dodge it.
   */
  readonly readReconciled: Effect.Effect<Readonly<Record<string, Reconciled>>, StoreError>
  /** Monotonic in time: an earlier time than the stored one changes nothing. */
  readonly recordReconciled: (kind: KindName, at: Reconciled) => Effect.Effect<void, StoreError>
}>()("fm/ProgressStore") {}
