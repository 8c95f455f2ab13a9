import { Context, type Effect } from "effect"
import type { StoreError } from "../errors.ts"
import type { ActivationReport } from "../model/report.ts"

export class ReportStore extends Context.Service<ReportStore, {
  /** Keeps the latest report of each executor (SPEC 7.2, `fm status`). */
  readonly save: (report: ActivationReport) => Effect.Effect<void, StoreError>
  readonly latest: Effect.Effect<ReadonlyArray<ActivationReport>, StoreError>
}>()("fm/ReportStore") {}
