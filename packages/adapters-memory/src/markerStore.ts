import {
  type CandidateCursor,
  type HeldSitrepView,
  isCollectible,
  type KindName,
  type Marker,
  MarkerStore,
  requestsOf,
  type ResourceId,
  type SweepPage
} from "@fm-rendezvous/domain"
import { Effect, Layer, Option, SynchronizedRef } from "effect"
import { MemoryDatabase } from "./database.ts"
import { type MemoryDb, tableOf } from "./state.ts"

const heldView = (db: MemoryDb, kind: KindName, held: string): HeldSitrepView => {
  const sitrep = db.sitreps.get(held)
  if (sitrep === undefined) return { _tag: "Missing" }
  const ids = new Set<string>(requestsOf(sitrep, kind).map((r) => r.id))
  return { _tag: "Present", generation: sitrep.generations[kind], requests: (id) => ids.has(id) }
}

const after = (a: CandidateCursor, cursor: CandidateCursor | null) =>
  cursor === null || a.generation > cursor.generation || (a.generation === cursor.generation && a.id > cursor.id)

const byCursor = (a: CandidateCursor, b: CandidateCursor) =>
  a.generation < b.generation ? -1 : a.generation > b.generation ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0

const sweepCandidates = (
  db: MemoryDb,
  kind: KindName,
  held: string,
  cursor: CandidateCursor | null,
  pageSize: number
): SweepPage<CandidateCursor> => {
  const view = heldView(db, kind, held)
  if (view._tag === "Missing") return { _tag: "SitrepMissing" }
  const ceiling = view.generation
  if (ceiling === undefined) return { _tag: "Page", deleted: [], examined: 0, next: null }
  const markers = tableOf(db.markers, kind)
  const page = [...markers.values()]
    .flatMap((m) => (m.droppedAtGeneration === null ? [] : [{ id: m.resourceId, generation: m.droppedAtGeneration } as CandidateCursor]))
    .filter((c) => c.generation <= ceiling && after(c, cursor))
    .sort(byCursor)
    .slice(0, pageSize)
  const deleted: Array<ResourceId> = []
  for (const c of page) {
    if (isCollectible(markers.get(c.id)!, view)) {
      markers.delete(c.id)
      deleted.push(c.id)
    }
  }
  return { _tag: "Page", deleted, examined: page.length, next: page.length === pageSize ? page[page.length - 1]! : null }
}

const reconcilePage = (
  db: MemoryDb,
  kind: KindName,
  held: string,
  cursor: ResourceId | null,
  pageSize: number
): SweepPage<ResourceId> => {
  const view = heldView(db, kind, held)
  if (view._tag === "Missing") return { _tag: "SitrepMissing" }
  const markers = tableOf(db.markers, kind)
  const page: Array<Marker> = [...markers.values()]
    .filter((m) => cursor === null || m.resourceId > cursor)
    .sort((a, b) => (a.resourceId < b.resourceId ? -1 : 1))
    .slice(0, pageSize)
  const deleted: Array<ResourceId> = []
  for (const m of page) {
    if (isCollectible(m, view)) {
      markers.delete(m.resourceId)
      deleted.push(m.resourceId)
    }
  }
  // The cursor is the largest id of the page, not of the deleted rows (SPEC 3.4).
  return { _tag: "Page", deleted, examined: page.length, next: page.length === pageSize ? page[page.length - 1]!.resourceId : null }
}

export const MemoryMarkerStore = Layer.effect(
  MarkerStore,
  Effect.gen(function*() {
    const { ref } = yield* MemoryDatabase
    const step = <A>(f: (db: MemoryDb) => A) => SynchronizedRef.modify(ref, (db) => [f(db), db] as const)
    return MarkerStore.of({
      get: (kind, id) => step((db) => Option.fromNullishOr(tableOf(db.markers, kind).get(id))),
      sweepCandidates: (kind, held, cursor, pageSize) => step((db) => sweepCandidates(db, kind, held, cursor, pageSize)),
      reconcilePage: (kind, held, cursor, pageSize) => step((db) => reconcilePage(db, kind, held, cursor, pageSize))
    })
  })
)
