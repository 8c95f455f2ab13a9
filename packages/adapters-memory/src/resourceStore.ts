import {
  deletePlan,
  distinctRequests,
  type GuardedBatchResult,
  guardPasses,
  Kinds,
  type Marker,
  type Request,
  requestOutcome,
  requestsOf,
  type Resource,
  ResourceStore,
  type ResourceKind,
  commentAudit,
  deleteAudit,
  tombstoneFor
} from "@fm-rendezvous/domain"
import type { Generation, KindName } from "@fm-rendezvous/domain"
import { Clock, Effect, Layer, Option, SynchronizedRef } from "effect"
import { MemoryDatabase } from "./database.ts"
import { appendAudit, currentSitrep, type MemoryDb, tableOf } from "./state.ts"

const createGuarded = (
  db: MemoryDb,
  kind: ResourceKind,
  held: Generation,
  requests: ReadonlyArray<Request>,
  now: Date
): GuardedBatchResult => {
  const current = currentSitrep(db)?.generations[kind.name]
  if (!guardPasses(held, current)) return { _tag: "StaleSitrep", currentGeneration: current ?? null }
  const rows = tableOf(db.resources, kind.name)
  const markers = tableOf(db.markers, kind.name)
  const outcomes = distinctRequests(requests).map((r) => {
    const outcome = requestOutcome(markers.get(r.id), rows.has(r.id))
    if (outcome === "Created") {
      rows.set(r.id, {
        kind: kind.name,
        id: r.id,
        caseId: r.caseId,
        timeCreated: now,
        state: kind.lifecycle?.initialState ?? null,
        fields: kind.resourceFields(r)
      })
      markers.set(r.id, {
        kind: kind.name,
        resourceId: r.id,
        createdAtGeneration: held,
        timeCreated: now,
        timeDeleted: null,
        deletedBy: null,
        droppedAtGeneration: null
      })
    }
    return { id: r.id, outcome }
  })
  return { _tag: "Applied", outcomes }
}

export const MemoryResourceStore = Layer.effect(
  ResourceStore,
  Effect.gen(function*() {
    const { ref } = yield* MemoryDatabase
    const kinds = yield* Kinds
    const kindOf = (name: KindName) => Option.getOrThrow(kinds.find(name))
    const step = <A>(f: (db: MemoryDb, now: Date) => A) =>
      Effect.flatMap(Clock.currentTimeMillis, (ms) => SynchronizedRef.modify(ref, (db) => [f(db, new Date(ms)), db] as const))
    return ResourceStore.of({
      createGuarded: (kind, held, requests) => step((db, now) => createGuarded(db, kindOf(kind), held, requests, now)),
      get: (kind, id) => step((db) => Option.fromNullishOr(tableOf(db.resources, kind).get(id))),
      list: (kind, page) =>
        step((db) =>
          [...tableOf(db.resources, kind).values()]
            .filter((r) => page.after === undefined || r.id > page.after)
            .sort((a, b) => (a.id < b.id ? -1 : 1))
            .slice(0, page.limit)
        ),
      delete: (grant, kind, id) =>
        step((db, now) => {
          const rows = tableOf(db.resources, kind)
          const markers = tableOf(db.markers, kind)
          const row = rows.get(id)
          const marker = markers.get(id)
          const plan = deletePlan(kindOf(kind), row, marker)
          if (plan._tag === "NotFound") return plan
          appendAudit(db, deleteAudit(grant.actor, kind, id, plan, now))
          if (plan._tag === "AlreadyDeleted") return plan
          if (plan._tag === "Remove") rows.delete(id)
          else if (row) rows.set(id, { ...row, state: plan.state })
          // Every delete leaves a tombstone (issue 18): FM's marker stamped, or one written for a
          // row FM did not create, judged from the current sitrep in this same step.
          const current = currentSitrep(db)
          const tombstone: Marker = marker !== undefined
            ? { ...marker, timeDeleted: now, deletedBy: grant.actor }
            : tombstoneFor(kind, id, {
              generation: current?.generations[kind],
              requested: current !== undefined && requestsOf(current, kind).some((r) => r.id === id)
            }, now, grant.actor)
          markers.set(id, tombstone)
          return plan
        }),
      setUserComment: (grant, kind, id, comment) =>
        step((db, now) => {
          const rows = tableOf(db.resources, kind)
          const row = rows.get(id)
          if (row === undefined || !kindOf(kind).userComment) return false
          rows.set(id, { ...row, fields: { ...row.fields, userComment: comment } })
          appendAudit(db, commentAudit(grant.actor, kind, id, comment, now))
          return true
        }),
      finishDestroying: (kind, limit) =>
        step((db) => {
          const destroying = kindOf(kind).lifecycle?.destroyingState
          if (destroying === undefined) return 0
          const rows = tableOf(db.resources, kind)
          const doomed = [...rows.values()].filter((r: Resource) => r.state === destroying).slice(0, limit)
          for (const r of doomed) rows.delete(r.id)
          return doomed.length
        })
    })
  })
)
