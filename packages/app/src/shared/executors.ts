import { type Actor, Authorization, type ExecutorProcess, ExecutorLeases, NotFound } from "@fm-rendezvous/domain"
import { Effect } from "effect"
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
