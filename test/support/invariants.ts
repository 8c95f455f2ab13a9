import type { SqlKind } from "@fm-rendezvous/adapters-sql"
import {
  type Check,
  convergence,
  type CreateLog,
  type DeleteLog,
  firstViolation,
  gcLiveness,
  gcSafety,
  historyIsDense,
  idempotence,
  type KindName,
  type KindSnapshot,
  liveMarkersHaveRows,
  makeRegistry,
  markerIds,
  monotonicity,
  noResurrection,
  noResurrectionInLog,
  noStaleCreationInLog,
  noStaleCreationOfMarkers,
  type ProgressMarks,
  type Published,
  published,
  progressWithinCurrent,
  removals,
  requestsOf,
  type Sitrep,
  type StoreSnapshot
} from "@fm-rendezvous/domain"
import { Effect } from "effect"
import type { SqlClient } from "effect/sql"
import { assert } from "vitest"
import { testKinds } from "./kinds.ts"

/**
 * The SPEC section 4 invariants checked from the database, for every test that runs executors
 * against a real server (the concurrency test, the fault tests). The checks themselves are the
 * domain's (packages/domain/src/invariants/); this file reads the database straight through SQL
 * (the ports list markers only by id) and fails the test on the first violation, naming its
 * invariant. The caller brings what only it knows: the lineage it published, the deletes it made,
 * optionally the guarded batches its executors logged.
 */

export type { CreateLog, DeleteLog }
/** One sitrep that became current: its generations and requests per kind, and when. */
export type PublishLog = Published
export const publishLog = (s: Sitrep, kinds: ReadonlyArray<string>, start: number, end: number): PublishLog =>
  published(s, kinds, start, end)

export type KindState = KindSnapshot
export type DatabaseState = Record<string, KindState>

/** Every resource row (its state and all it holds) and every creation marker of every kind. */
export const readState = (sql: SqlClient.SqlClient, kinds: ReadonlyArray<SqlKind>) =>
  Effect.gen(function*() {
    const out: DatabaseState = {}
    for (const k of kinds) {
      const rows = yield* sql.unsafe<{ id: string; state: string | null; content: string }>(
        `SELECT t.id::text AS id, to_jsonb(t) ->> 'state' AS state, to_jsonb(t)::text AS content FROM ${k.resourceTable} t`
      )
      const markers = yield* sql.unsafe<{ resource_id: string; created_at_generation: bigint; time_deleted: Date | null; dropped_at_generation: bigint | null }>(
        `SELECT resource_id, created_at_generation, time_deleted, dropped_at_generation FROM ${k.markerTable}`
      )
      out[k.kind.name] = {
        rows: new Map(rows.map((r) => [r.id, { state: r.state, content: r.content }])),
        markers: new Map(markers.map((m) => [m.resource_id, { createdAt: BigInt(m.created_at_generation), deleted: m.time_deleted !== null, droppedAt: m.dropped_at_generation === null ? null : BigInt(m.dropped_at_generation) }]))
      }
    }
    return out
  })

/** Execution progress per kind, as stored (null: never recorded). */
export type ProgressSample = Record<string, ProgressMarks>

export const readProgress = (sql: SqlClient.SqlClient) =>
  Effect.map(
    sql<{ kind: string; executed_generation: bigint | null; swept_generation: bigint | null }>`
      SELECT kind, executed_generation, swept_generation FROM execution_progress`,
    (rows): ProgressSample =>
      Object.fromEntries(rows.map((r) => [r.kind, {
        executed: r.executed_generation === null ? null : BigInt(r.executed_generation),
        swept: r.swept_generation === null ? null : BigInt(r.swept_generation)
      }]))
  )

export const readHistory = (sql: SqlClient.SqlClient) =>
  Effect.map(sql<{ version: bigint }>`SELECT version FROM sitrep_history ORDER BY version`, (rows) => rows.map((r) => Number(r.version)))

export interface InvariantInput {
  readonly kinds: ReadonlyArray<string>
  /** The current sitrep, which an executor holding it activated (with reconciliation) last. */
  readonly current: Sitrep
  readonly publishes: ReadonlyArray<PublishLog>
  readonly deletes: ReadonlyArray<DeleteLog>
  /** The guarded batches, when the executors ran in this process and logged them. */
  readonly creates?: ReadonlyArray<CreateLog>
  /** The database after that activation. */
  readonly state: DatabaseState
  /** The same activation run again: what it created per kind, and the database afterwards. */
  readonly again: { readonly created: Readonly<Record<string, number>>; readonly state: DatabaseState }
  readonly history: ReadonlyArray<number>
  /** Progress read at intervals while the actors ran, oldest first; the last one at the end. */
  readonly progress: ReadonlyArray<ProgressSample>
}

export interface InvariantSummary {
  readonly checks: number
  readonly deleted: number
  readonly requested: number
  readonly markers: number
  /** One line for a test's output: that every invariant held, and over how much. */
  readonly line: string
}

/** Fails the test on the first violated check, naming its invariant; how many checks held. */
export const assertHolds = (checks: ReadonlyArray<Check>): number => {
  const broken = firstViolation(checks)
  if (broken !== undefined) assert.fail(`invariant "${broken.invariant}" violated: ${broken.violation}`)
  return checks.length
}

const snapshotOf = (state: DatabaseState, progress: ProgressSample): StoreSnapshot => ({ kinds: state, newestVersion: null, progress })

export const checkInvariants = (input: InvariantInput): InvariantSummary => {
  const { current, publishes, deletes } = input
  const registry = makeRegistry(testKinds.filter((k) => input.kinds.includes(k.name)))
  const samples = input.progress
  const last = samples[samples.length - 1] ?? {}
  const now = snapshotOf(input.state, last)
  const creates = input.creates ?? []
  const deleted = new Map(removals(deletes).map((d) => [`${d.kind}/${d.id}`, d]))
  const createdAgain = Object.values(input.again.created).reduce((a, b) => a + b, 0)

  const checks: Array<Check> = [
    idempotence(now, snapshotOf(input.again.state, last), createdAgain),
    ...noResurrection(registry, now, deleted.values()),
    ...noResurrectionInLog(registry, deletes, creates),
    ...noStaleCreationInLog(registry, publishes, creates),
    ...noStaleCreationOfMarkers(registry, now, publishes, markerIds(now)),
    ...liveMarkersHaveRows(registry, now),
    ...convergence(registry, now, current, (kind, id) => deleted.has(`${kind}/${id}`)),
    // After a sweep with reconciliation from the current sitrep, a marker remains exactly where
    // the current sitrep requests the id (and every request was created by then).
    ...gcSafety(registry, now, current, () => true),
    ...gcLiveness(registry, now, current, markerIds(now)),
    ...historyIsDense(input.history, current),
    ...samples.slice(1).flatMap((sample, i) => monotonicity(snapshotOf({}, samples[i]!), snapshotOf({}, sample))),
    ...progressWithinCurrent(registry, now, current)
  ]
  const count = assertHolds(checks)

  const requested = input.kinds.reduce((n, k) => n + requestsOf(current, k as KindName).length, 0)
  const markers = input.kinds.reduce((n, k) => n + (input.state[k]?.markers.size ?? 0), 0)
  return {
    checks: count,
    deleted: deleted.size,
    requested,
    markers,
    line: `SPEC 4 invariants held (${count} checks: no resurrection over ${deleted.size} deletes, no stale creation, ` +
      `convergence and GC safety over ${requested} requests, GC liveness over ${markers} markers, idempotence, ` +
      `monotonicity over ${samples.length} progress samples and ${input.history.length} history versions)`
  }
}
