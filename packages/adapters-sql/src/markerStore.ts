import {
  type CandidateCursor,
  type KindName,
  type Marker,
  MarkerStore,
  type ResourceId,
  type SweepPage
} from "@fm-rendezvous/domain"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { SqlKinds } from "./kinds.ts"
import * as M from "./markers.ts"
import { withRetry } from "./retry.ts"
import { toDate, toGeneration } from "./rows.ts"
import { storeError } from "./wording.ts"

export const toMarker = (kind: KindName, r: M.MarkerRow): Marker => ({
  kind,
  resourceId: r.resource_id as ResourceId,
  createdAtGeneration: toGeneration(r.created_at_generation),
  timeCreated: toDate(r.time_created),
  timeDeleted: r.time_deleted === null ? null : toDate(r.time_deleted),
  deletedBy: r.deleted_by,
  droppedAtGeneration: r.dropped_at_generation == null ? null : toGeneration(r.dropped_at_generation)
})

/** Turns the rows of one sweep statement into the port's page; `next` only when the page was full. */
const toPage = <C>(
  rows: ReadonlyArray<M.SweepRow>,
  pageSize: number,
  cursorOf: (row: M.SweepRow) => C
): SweepPage<C> => {
  const first = rows[0]
  if (first === undefined || first.held_found === 0n) return { _tag: "SitrepMissing" }
  const examined = Number(first.examined)
  return {
    _tag: "Page",
    deleted: rows.flatMap((r) => (r.deleted_id === null ? [] : [r.deleted_id as ResourceId])),
    examined,
    next: examined === pageSize && first.last_id !== null ? cursorOf(first) : null
  }
}

export const SqlMarkerStore = Layer.effect(
  MarkerStore,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const kinds = yield* SqlKinds
    return MarkerStore.of({
      get: (kind, id) =>
        Effect.gen(function*() {
          const k = yield* kinds.lookup(kind)
          const rows = yield* withRetry(M.selectMarker(sql, k, id))
          return Option.map(Option.fromNullishOr(rows[0]), (r) => toMarker(kind, r))
        }).pipe(storeError(`reading the creation marker of ${kind} ${id}`)),
      // Each page is one autocommit statement: atomic, and correct under READ COMMITTED (docs/SQL.md).
      sweepCandidates: (kind, held, cursor, pageSize) =>
        Effect.gen(function*() {
          const k = yield* kinds.lookup(kind)
          const rows = yield* withRetry(M.sweepCandidatesPage(sql, k, held, cursor, pageSize))
          return toPage<CandidateCursor>(rows, pageSize, (r) => ({
            generation: toGeneration(r.last_generation),
            id: r.last_id as ResourceId
          }))
        }).pipe(storeError(`sweeping ${kind} creation markers`)),
      reconcilePage: (kind, held, cursor, pageSize) =>
        Effect.gen(function*() {
          const k = yield* kinds.lookup(kind)
          const rows = yield* withRetry(M.reconcileMarkersPage(sql, k, held, cursor, pageSize))
          return toPage<ResourceId>(rows, pageSize, (r) => r.last_id as ResourceId)
        }).pipe(storeError(`reconciling ${kind} creation markers`))
    })
  })
)
