import { AuditLog, auditNewestFirst, auditSelects } from "@fm-rendezvous/domain"
import { Effect, Layer, SynchronizedRef } from "effect"
import { MemoryDatabase } from "./database.ts"
import type { MemoryDb } from "./state.ts"

/** The audit record in memory (issue 25.5): the reference behaviour of `fm_audit`. */
export const MemoryAuditLog = Layer.effect(
  AuditLog,
  Effect.gen(function*() {
    const { ref } = yield* MemoryDatabase
    const step = <A>(f: (db: MemoryDb) => A) => SynchronizedRef.modify(ref, (db) => [f(db), db] as const)
    return AuditLog.of({
      page: (filter, cursor, limit) => step((db) => db.audit.filter(auditSelects(filter, cursor)).sort(auditNewestFirst).slice(0, limit)),
      prune: (before, limit) =>
        step((db) => {
          const doomed = new Set(
            db.audit.filter((e) => e.at.getTime() < before.getTime()).sort((a, b) => auditNewestFirst(b, a)).slice(0, limit)
          )
          const kept = db.audit.filter((e) => !doomed.has(e))
          db.audit.length = 0
          db.audit.push(...kept)
          return doomed.size
        })
    })
  })
)
