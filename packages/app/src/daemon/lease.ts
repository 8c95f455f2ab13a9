import { type ExecutorProcess, ExecutorLeases, type LeaseClaim } from "@fm-rendezvous/domain"
import { Duration, Effect } from "effect"
import { randomUUID } from "node:crypto"
import { hostname } from "node:os"
import { describeHolder } from "../shared/executors.ts"
import { Refused } from "../shared/failure.ts"

/**
 * Issue 25, item 7: a process runs activations under an executor name only while it holds that
 * name's lease (domain `ExecutorLeases`). `fm run` and `fm activate` take it at start and are
 * refused (exit 1) while another live process holds it; it is renewed every third of
 * FM_EXECUTOR_LEASE and released when the process stops (its scope closes: after the activation
 * in flight stored its report); a killed process's lease expires by the database's clock.
 */
const heldByAnother = (executor: string, holder: ExecutorProcess) =>
  new Refused({
    message: `Executor name ${executor} is held by another process, ${describeHolder(holder)} (its lease runs until ${holder.expiresAt.toISOString()} ` +
      "and is renewed while it runs): stop that process first, or wait for its lease to expire if it was killed"
  })

const takenOver = (executor: string, holder: ExecutorProcess) =>
  new Refused({
    message: `Executor name ${executor} was taken over by ${describeHolder(holder)} after this process's lease expired unrenewed ` +
      "(the database was out of reach, or the process paused, for longer than FM_EXECUTOR_LEASE); this process stops"
  })

/**
 * Takes `executor`'s lease for the enclosing scope (released when it closes) and answers the
 * renewals: an effect that renews every third of `ttl` until it finds another process holding the
 * name, and then fails. Race it with the work the lease covers. A renewal the database cannot
 * answer is a warning; the process goes on, as its activations do, until a renewal answers.
 */
export const holdExecutorName = (executor: string, ttl: Duration.Duration) =>
  Effect.gen(function*() {
    const leases = yield* ExecutorLeases
    const claim: LeaseClaim = { executor, host: hostname(), pid: process.pid, instance: randomUUID(), ttlMillis: Math.max(1, Math.round(Duration.toMillis(ttl))) }
    const first = yield* leases.claim(claim)
    if (first._tag === "HeldByAnother") return yield* heldByAnother(executor, first.holder)
    yield* Effect.addFinalizer(() =>
      leases.release(executor, claim.instance).pipe(
        Effect.catch((e) => Effect.logWarning(`releasing the executor name ${executor} failed (it expires by itself): ${e.message}`))
      ))
    const renewals: Effect.Effect<never, Refused> = Effect.gen(function*() {
      yield* Effect.sleep(Duration.millis(claim.ttlMillis / 3))
      const outcome = yield* leases.claim(claim).pipe(
        Effect.catch((e) => Effect.as(Effect.logWarning(`lease renewal failed: ${e.message}`), null))
      )
      if (outcome?._tag === "HeldByAnother") return yield* takenOver(executor, outcome.holder)
    }).pipe(Effect.forever)
    return { lease: first.lease, renewals }
  })
