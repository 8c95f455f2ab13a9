import { CollectionBacklog, type KindName, type Marker, requestsOf } from "@fm-rendezvous/domain"
import { Effect, Layer, Option, SynchronizedRef } from "effect"
import { MemoryDatabase } from "./database.ts"
import { type MemoryDb, tableOf } from "./state.ts"

const marked = (db: MemoryDb, kind: KindName): Array<Marker> =>
  [...tableOf(db.markers, kind).values()].filter((m) => m.droppedAtGeneration !== null)

/** The reference behaviour of the SQL statement in adapters-sql/src/backlog.ts. */
const oldestDroppedAt = (db: MemoryDb, kind: KindName): Option.Option<Date> => {
  const oldest = marked(db, kind).sort((a, b) =>
    a.droppedAtGeneration! < b.droppedAtGeneration! ? -1 : a.droppedAtGeneration! > b.droppedAtGeneration! ? 1 :
    a.resourceId < b.resourceId ? -1 : 1
  )[0]
  if (oldest === undefined) return Option.none()
  const carries = (sitrepId: string) => requestsOf(db.sitreps.get(sitrepId)!, kind).some((r) => r.id === oldest.resourceId)
  const lastCarrier = db.history.findLast((h) => db.sitreps.has(h.sitrepId) && carries(h.sitrepId))
  const dropper = lastCarrier === undefined ? db.history[0] : db.history.find((h) => h.version === lastCarrier.version + 1)
  const sitrep = dropper === undefined ? undefined : db.sitreps.get(dropper.sitrepId)
  return sitrep === undefined ? Option.none() : Option.some(sitrep.timeCreated)
}

export const MemoryCollectionBacklog = Layer.effect(
  CollectionBacklog,
  Effect.gen(function*() {
    const { ref } = yield* MemoryDatabase
    return CollectionBacklog.of({
      awaiting: (kind) => Effect.map(SynchronizedRef.get(ref), (db) => marked(db, kind).length),
      oldestDroppedAt: (kind) => Effect.map(SynchronizedRef.get(ref), (db) => oldestDroppedAt(db, kind))
    })
  })
)
