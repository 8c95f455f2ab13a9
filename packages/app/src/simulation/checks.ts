import {
  type ActivationReport,
  type KindProgress,
  Kinds,
  MarkerStore,
  ProgressStore,
  type ResourceId,
  ResourceStore,
  requestsOf,
  type Sitrep,
  SitrepStore
} from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"
import type { InvariantLedger } from "./invariants.ts"
import type { LineageRecord } from "./lineage.ts"
import type { Deletion } from "./operator.ts"

/** SPEC 4 checks read through the ports, i.e. against the database the simulation runs on. */

/** No stale creation, as the report saw it: anything created came from the current generation. */
export const checkReport = (ledger: InvariantLedger, report: ActivationReport) => {
  for (const [kind, k] of Object.entries(report.kinds)) {
    if (k.created === 0) continue
    ledger.check(
      "No stale creation",
      !k.stale && k.generation !== null && k.generation === k.currentGeneration
        ? null
        : `${report.executor} created ${k.created} ${kind} from generation ${k.generation} while generation ${k.currentGeneration} was current`
    )
  }
}

/** No resurrection: a deleted id is gone or on its way out, and its tombstone (if any) stands. */
export const checkDeletedStayDeleted = (ledger: InvariantLedger, deleted: ReadonlyArray<Deletion>) =>
  Effect.gen(function*() {
    const resources = yield* ResourceStore
    const markers = yield* MarkerStore
    for (const d of deleted) {
      const row = yield* resources.get(d.kind.name, d.id as ResourceId)
      const marker = yield* markers.get(d.kind.name, d.id as ResourceId)
      const rowOk = Option.isNone(row) || row.value.state === d.kind.lifecycle?.destroyingState
      const markerOk = Option.isNone(marker) || marker.value.timeDeleted !== null
      ledger.check(
        "No resurrection",
        rowOk && markerOk ? null : `${d.kind.singular} ${d.id} exists again after an operator deleted it`
      )
    }
  })

/** GC safety: a marker seen for an id the current sitrep still requests is never collected. */
export const checkMarkersOfCurrentRequests = (ledger: InvariantLedger, seenMarkers: Set<string>) =>
  Effect.gen(function*() {
    const kinds = yield* Kinds
    const markers = yield* MarkerStore
    const current = yield* (yield* SitrepStore).current
    if (Option.isNone(current)) return
    for (const kind of kinds.all) {
      for (const r of requestsOf(current.value, kind.name)) {
        const key = `${kind.name}/${r.id}`
        const marker = yield* markers.get(kind.name, r.id)
        if (Option.isSome(marker)) seenMarkers.add(key)
        ledger.check(
          "GC safety",
          Option.isNone(marker) && seenMarkers.has(key)
            ? `the marker of ${kind.singular} ${r.id} was collected while the current sitrep still requests it`
            : null
        )
      }
    }
  })

export interface Watermarks {
  historyNewest: number
  readonly progress: Map<string, bigint>
}

/** Monotonicity: history versions and progress generations never go backwards. */
export const checkMonotonic = (ledger: InvariantLedger, marks: Watermarks) =>
  Effect.gen(function*() {
    const range = yield* (yield* SitrepStore).historyRange
    const newest = Option.match(range, { onNone: () => 0, onSome: (r) => r.newest as number })
    ledger.check("Monotonicity", newest >= marks.historyNewest ? null : `history went back from version ${marks.historyNewest} to ${newest}`)
    marks.historyNewest = newest
    const progress: Readonly<Record<string, KindProgress>> = yield* (yield* ProgressStore).readAll
    for (const [kind, p] of Object.entries(progress)) {
      for (const [what, mark] of [["executed", p.executedThrough], ["swept", p.sweptThrough]] as const) {
        if (mark === null) continue
        const key = `${kind}/${what}`
        const before = marks.progress.get(key) ?? 0n
        ledger.check("Monotonicity", mark.generation >= before ? null : `${kind} ${what} progress went back from ${before} to ${mark.generation}`)
        marks.progress.set(key, mark.generation)
      }
    }
  })

/** Convergence: every request of the current sitrep that no operator deleted exists. */
export const checkConvergence = (ledger: InvariantLedger, current: Sitrep, deleted: ReadonlySet<string>) =>
  Effect.gen(function*() {
    const kinds = yield* Kinds
    const resources = yield* ResourceStore
    for (const kind of kinds.all) {
      for (const r of requestsOf(current, kind.name)) {
        if (deleted.has(r.id)) continue
        const row = yield* resources.get(kind.name, r.id)
        ledger.check("Convergence", Option.isSome(row) ? null : `${kind.singular} ${r.id} is requested by the current sitrep but does not exist`)
      }
    }
  })

/** GC liveness and no stale creation (database side): dropped ids lost their markers; live markers match the lineage. */
export const checkMarkersAgainstLineage = (ledger: InvariantLedger, lineage: LineageRecord, current: Sitrep) =>
  Effect.gen(function*() {
    const kinds = yield* Kinds
    const markers = yield* MarkerStore
    for (const kind of kinds.all) {
      for (const id of lineage.droppedOf(kind.name)) {
        const marker = yield* markers.get(kind.name, id as ResourceId)
        ledger.check(
          "GC liveness",
          Option.isNone(marker) ? null : `the marker of dropped ${kind.singular} ${id} survived a reconciling sweep from the current sitrep`
        )
      }
      for (const r of requestsOf(current, kind.name)) {
        const marker = yield* markers.get(kind.name, r.id)
        if (Option.isNone(marker)) continue
        ledger.check(
          "No stale creation",
          lineage.requestedAt(kind.name, marker.value.createdAtGeneration, r.id)
            ? null
            : `${kind.singular} ${r.id} was created at generation ${marker.value.createdAtGeneration}, which did not request it`
        )
      }
    }
  })

/** A fingerprint of every resource row, to prove a repeated activation changes nothing. */
export const snapshotResources = Effect.gen(function*() {
  const kinds = yield* Kinds
  const resources = yield* ResourceStore
  const parts: Array<string> = []
  for (const kind of kinds.all) {
    for (const r of yield* resources.list(kind.name, { limit: 1_000_000 })) {
      parts.push(`${kind.name}/${r.id}/${r.state}/${r.timeCreated.getTime()}/${JSON.stringify(r.fields)}`)
    }
  }
  return parts.join("\n")
})
