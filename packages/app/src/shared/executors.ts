import {
  type ActivationReport,
  type Actor,
  Authorization,
  type ExecutorProcess,
  ExecutorLeases,
  NotFound,
  ProgressStore,
  type Reconciled,
  ReportStore,
  type SitrepHeader,
  SitrepStore
} from "@fm-rendezvous/domain"
import { Effect, type Option } from "effect"
import { Refused } from "./failure.ts"

/** The process behind an executor name, in the words of every sentence that names it (issue 25). */
export const describeHolder = (p: ExecutorProcess): string => `pid ${p.pid} on ${p.host} since ${p.startedAt.toISOString()}`

/**
 * Issue 25, item 11: removes an old executor's last report and its ended lease (`fm executor
 * forget NAME`, `DELETE /v1/status/executors/{name}`); admin only, refused while a live process
 * holds the name, not found when neither a report nor a lease has it.
 */
export const forgetExecutor = (actor: Actor | null, executor: string) =>
  Effect.gen(function*() {
    const grant = yield* (yield* Authorization).requireAdmin(actor, "forgetting an executor")
    const outcome = yield* (yield* ExecutorLeases).forget(grant, executor)
    switch (outcome._tag) {
      case "Forgotten":
        return
      case "Unknown":
        return yield* new NotFound({ message: `No executor named ${executor} has a report or a lease to forget.` })
      case "Live":
        return yield* new Refused({
          message: `Executor ${executor} is running (${describeHolder(outcome.holder)}, lease until ${outcome.holder.expiresAt.toISOString()}): ` +
            "stop it first; only a name no live process holds can be forgotten"
        })
    }
  })

/** What `fm status` and `GET /v1/status` show, read the same way in both (render/report.ts `statusToJson`). */
export interface StatusView {
  readonly current: Option.Option<Pick<SitrepHeader, "id" | "version">>
  readonly reports: ReadonlyArray<ActivationReport>
  /** When each kind was last reconciled, by anyone (issue 18). */
  readonly reconciled: Readonly<Record<string, Reconciled>>
  /** The process behind each executor name, from its lease (issue 25), by name. */
  readonly processes: ReadonlyArray<ExecutorProcess>
}

export const readStatusView = Effect.gen(function*() {
  const reports = yield* (yield* ReportStore).latest
  const current = yield* (yield* SitrepStore).currentHeader
  const reconciled = yield* (yield* ProgressStore).readReconciled
  const processes = yield* (yield* ExecutorLeases).all
  return { current, reports, reconciled, processes } satisfies StatusView
})
