import { SitrepHistory } from "@fm-rendezvous/domain"
import { Effect, Layer, SynchronizedRef } from "effect"
import { MemoryDatabase } from "./database.ts"

export const MemorySitrepHistory = Layer.effect(
  SitrepHistory,
  Effect.gen(function*() {
    const { ref } = yield* MemoryDatabase
    return SitrepHistory.of({
      page: (before, limit) =>
        SynchronizedRef.modify(ref, (db) => {
          const entries = db.history
            .filter((h) => before === null || h.version < before)
            .slice(-limit)
            .reverse()
            .flatMap((h) => {
              const s = db.sitreps.get(h.sitrepId)
              if (s === undefined) return []
              const { cases: _cases, ...entry } = s
              return [{ ...entry, version: h.version as never }]
            })
          return [entries, db] as const
        })
    })
  })
)
