import { executorForgetAudit, type ExecutorProcess, ExecutorLeases, type LeaseOutcome } from "@fm-rendezvous/domain"
import { Clock, Effect, Layer, SynchronizedRef } from "effect"
import { MemoryDatabase } from "./database.ts"
import { appendAudit, type MemoryDb } from "./state.ts"

/** Executor name leases (issue 25) over the memory database, judged by the Clock service. */
export const MemoryExecutorLeases = Layer.effect(
  ExecutorLeases,
  Effect.gen(function*() {
    const { ref } = yield* MemoryDatabase
    const withNow = <A>(f: (db: MemoryDb, now: number) => A) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => SynchronizedRef.modify(ref, (db) => [f(db, now), db] as const))
    const view = (row: Omit<ExecutorProcess, "live">, now: number): ExecutorProcess => ({ ...row, live: row.expiresAt.getTime() > now })
    return ExecutorLeases.of({
      claim: (c) =>
        withNow((db, now): LeaseOutcome => {
          const before = db.leases.get(c.executor)
          if (before !== undefined && before.instance !== c.instance && before.expiresAt.getTime() > now) {
            return { _tag: "HeldByAnother", holder: view(before, now) }
          }
          const at = new Date(now)
          const row = {
            executor: c.executor,
            host: c.host,
            pid: c.pid,
            instance: c.instance,
            startedAt: before?.instance === c.instance ? before.startedAt : at,
            renewedAt: at,
            expiresAt: new Date(now + c.ttlMillis),
            releasedAt: null
          }
          db.leases.set(c.executor, row)
          return { _tag: "Held", lease: view(row, now) }
        }),
      release: (executor, instance) =>
        withNow((db, now) => {
          const before = db.leases.get(executor)
          if (before?.instance === instance) db.leases.set(executor, { ...before, expiresAt: new Date(now), releasedAt: new Date(now) })
        }),
      all: withNow((db, now) => [...db.leases.values()].sort((a, b) => (a.executor < b.executor ? -1 : 1)).map((r) => view(r, now))),
      forget: (grant, executor) =>
        withNow((db, now) => {
          const lease = db.leases.get(executor)
          if (lease !== undefined && lease.expiresAt.getTime() > now) return { _tag: "Live" as const, holder: view(lease, now) }
          const known = lease !== undefined || db.reports.has(executor)
          db.leases.delete(executor)
          db.reports.delete(executor)
          if (known) appendAudit(db, executorForgetAudit(grant.actor, executor, new Date(now)))
          return known ? { _tag: "Forgotten" as const } : { _tag: "Unknown" as const }
        })
    })
  })
)
