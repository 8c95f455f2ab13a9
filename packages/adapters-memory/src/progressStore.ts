import { advance, type KindProgress, noProgress, ProgressStore, ReportStore } from "@fm-rendezvous/domain"
import { Effect, Layer, SynchronizedRef } from "effect"
import { MemoryDatabase } from "./database.ts"
import type { MemoryDb } from "./state.ts"

export const MemoryProgressStore = Layer.effect(
  ProgressStore,
  Effect.gen(function*() {
    const { ref } = yield* MemoryDatabase
    const step = <A>(f: (db: MemoryDb) => A) => SynchronizedRef.modify(ref, (db) => [f(db), db] as const)
    const update = (kind: string, f: (p: KindProgress) => KindProgress) =>
      step((db) => void db.progress.set(kind, f(db.progress.get(kind) ?? noProgress)))
    return ProgressStore.of({
      readAll: step((db) => Object.fromEntries(db.progress.entries())),
      recordExecuted: (kind, mark) => update(kind, (p) => ({ ...p, executedThrough: advance(p.executedThrough, mark) })),
      recordSwept: (kind, mark) => update(kind, (p) => ({ ...p, sweptThrough: advance(p.sweptThrough, mark) })),
      readReconciled: step((db) => Object.fromEntries(db.reconciled.entries())),
      recordReconciled: (kind, at) =>
        step((db) => {
          const before = db.reconciled.get(kind)
          if (before === undefined || before.at < at.at) db.reconciled.set(kind, at)
        })
    })
  })
)

export const MemoryReportStore = Layer.effect(
  ReportStore,
  Effect.gen(function*() {
    const { ref } = yield* MemoryDatabase
    return ReportStore.of({
      save: (report) => SynchronizedRef.update(ref, (db) => (db.reports.set(report.executor, report), db)),
      latest: SynchronizedRef.modify(ref, (db) =>
        [[...db.reports.values()].sort((a, b) => (a.executor < b.executor ? -1 : 1)), db] as const)
    })
  })
)
