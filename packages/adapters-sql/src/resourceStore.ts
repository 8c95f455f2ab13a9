import {
  type CaseId,
  commentAudit,
  deleteAudit,
  deletePlan,
  distinctRequests,
  type GuardedBatchResult,
  type KindName,
  requestOutcome,
  type Resource,
  type ResourceId,
  ResourceStore,
  tombstoneFor
} from "@fm-rendezvous/domain"
import { Clock, Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlKind } from "./kind.ts"
import { SqlKinds } from "./kinds.ts"
import { insertAudit } from "./audit.ts"
import { toMarker } from "./markerStore.ts"
import type { MarkerRow } from "./markers.ts"
import * as R from "./resources.ts"
import { SqlProfile } from "./profile.ts"
import { withRetry } from "./retry.ts"
import { toDate, toGeneration } from "./rows.ts"
import { transactions } from "./transactions.ts"
import { storeError } from "./wording.ts"
import { SENTINELS } from "./sentinel.ts"

const rid = (id: string) => id as ResourceId

const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))

export const toResource = (k: SqlKind, r: R.ResourceRow): Resource => ({
  kind: k.kind.name,
  id: r.id as ResourceId,
  caseId: r.case_id as CaseId | null,
  timeCreated: toDate(r.time_created),
  state: r.state ?? null,
  fields: Object.fromEntries(k.columns.map((c) => [c.field, r[c.column] ?? null]))
})

/** Decodes the guarded statement's rows: the outcome rule is the domain's `requestOutcome`. */
const toBatchResult = (kind: KindName, rows: ReadonlyArray<R.GuardedRow>): GuardedBatchResult => {
  const first = rows[0]
  if (first === undefined || !first.ok) {
    return {
      _tag: "StaleSitrep",
      currentGeneration: first?.current_generation == null ? null : toGeneration(first.current_generation)
    }
  }
  return {
    _tag: "Applied",
    outcomes: rows.flatMap((r) => {
      if (r.id === null) return []
      const marker = r.resource_id == null ? undefined : toMarker(kind, r as unknown as MarkerRow)
      return [{ id: r.id as ResourceId, outcome: r.created ? "Created" as const : requestOutcome(marker, r.has_row === true) }]
    })
  }
}

export const SqlResourceStore = Layer.effect(
  ResourceStore,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const kinds = yield* SqlKinds
    const profile = yield* SqlProfile
    const tx = transactions(sql, profile)
    return ResourceStore.of({
      // ONE autocommit statement per batch (SPEC 3.1); re-run when its sentinel says it raced.
      createGuarded: (kind, held, requests) =>
        Effect.gen(function*() {
          const k = yield* kinds.lookup(kind)
          const at = yield* now
          const rows = yield* withRetry(R.createGuardedBatch(sql, k, held, distinctRequests(requests), at, profile), [SENTINELS.creationRaced])
          return toBatchResult(k.kind.name, rows)
        }).pipe(storeError(`creating ${kind} resources`)),
      get: (kind, id) =>
        Effect.gen(function*() {
          const k = yield* kinds.lookup(kind)
          const rows = yield* withRetry(R.selectResource(sql, k, id))
          return Option.map(Option.fromNullishOr(rows[0]), (r) => toResource(k, r))
        }).pipe(storeError(`reading ${kind} ${id}`)),
      list: (kind, page) =>
        Effect.gen(function*() {
          const k = yield* kinds.lookup(kind)
          const rows = yield* withRetry(R.listResources(sql, k, page.after, page.limit))
          return rows.map((r) => toResource(k, r))
        }).pipe(storeError(`listing ${kind} resources`)),
      /**
       * SPEC 3.2, one serializable transaction: read the row and the marker once, from ONE
       * snapshot, decide with the domain's `deletePlan`, then at most one mutation per table.
       * Under READ COMMITTED the two reads could straddle a concurrent creation (row seen, marker
       * not) and plainly delete an FM-created row; SERIALIZABLE (REPEATABLE READ would do) gives
       * one snapshot, and a row changed since it fails with 40001 and the step is re-run.
       */
      delete: (grant, kind, id) =>
        Effect.gen(function*() {
          const k = yield* kinds.lookup(kind)
          const at = yield* now
          return yield* tx.serializable(
            Effect.gen(function*() {
              const rows = yield* R.lockResource(sql, k, id)
              const markers = yield* R.lockMarker(sql, k, id)
              const row = rows[0] === undefined ? undefined : toResource(k, rows[0])
              const marker = markers[0] === undefined ? undefined : toMarker(k.kind.name, markers[0])
              const plan = deletePlan(k.kind, row, marker)
              if (plan._tag === "NotFound") return plan
              // Issue 25.5: the audit entry in the delete's own transaction (a repeat says alreadyDeleted).
              yield* insertAudit(sql, deleteAudit(grant.actor, k.kind.name, id, plan, at))
              if (plan._tag === "AlreadyDeleted") return plan
              if (plan._tag === "Remove") yield* R.deleteResourceRow(sql, k, id)
              else yield* R.setResourceState(sql, k, id, plan.state)
              // Every delete leaves a tombstone (issue 18): FM's marker stamped, or one written for
              // a row FM did not create, judged from the current sitrep in this transaction.
              if (plan.fmCreated) yield* R.stampMarker(sql, k, id, at, grant.actor)
              else {
                const basis = (yield* R.selectTombstoneBasis(sql, k, id, profile))[0]
                const generation = basis?.generation == null ? undefined : toGeneration(basis.generation)
                const requested = basis?.requested === true
                yield* R.insertTombstone(sql, k, tombstoneFor(k.kind.name, rid(id), { generation, requested }, at, grant.actor))
              }
              return plan
            })
          )
        }).pipe(storeError(`deleting ${kind} ${id}`)),
      // The UPDATE and its audit entry in one transaction (issue 25.5); no row, nothing written.
      setUserComment: (grant, kind, id, comment) =>
        Effect.gen(function*() {
          const k = yield* kinds.lookup(kind)
          const column = k.columns.find((c) => c.field === "userComment")
          if (!k.kind.userComment || column === undefined) return false
          const at = yield* now
          return yield* tx.readWrite(Effect.gen(function*() {
            if ((yield* R.updateUserComment(sql, k, column.column, id, comment)).length === 0) return false
            yield* insertAudit(sql, commentAudit(grant.actor, k.kind.name, id, comment, at))
            return true
          }))
        }).pipe(storeError(`commenting on ${kind} ${id}`)),
      finishDestroying: (kind, limit) =>
        Effect.gen(function*() {
          const k = yield* kinds.lookup(kind)
          const destroying = k.kind.lifecycle?.destroyingState
          if (destroying === undefined) return 0
          return (yield* withRetry(R.finishDestroyingPage(sql, k, destroying, limit))).length
        }).pipe(storeError(`removing destroyed ${kind} resources`))
    })
  })
)
