import type { SqlKind } from "@fm-rendezvous/adapters-sql"
import { type GuardedBatchResult, type KindName, requestsOf, type Sitrep } from "@fm-rendezvous/domain"
import { Effect } from "effect"
import type { SqlClient } from "effect/sql"
import { assert } from "vitest"

/**
 * The SPEC section 4 invariants checked from the database, for every test that runs executors
 * against a real server (the concurrency test, the fault tests). The caller brings what only it
 * knows: the lineage it published, the deletes it made, optionally the guarded batches its
 * executors logged; the database state is read here. Each assertion names its invariant.
 */

/** One sitrep that became current: its generations and requests per kind, and when. */
export interface PublishLog {
  readonly version: number
  readonly generations: Readonly<Record<string, bigint>>
  readonly requests: Readonly<Record<string, ReadonlySet<string>>>
  readonly start: number
  readonly end: number
}
/** One operator delete and its plan (`Remove`, `BeginDestroying`, `AlreadyDeleted`, ...). */
export interface DeleteLog {
  readonly kind: KindName | string
  readonly id: string
  readonly outcome: string
  readonly start: number
  readonly end: number
}
/** One guarded batch an executor ran, with the generation it held and its wall-clock interval. */
export interface CreateLog {
  readonly kind: KindName
  readonly held: bigint
  readonly start: number
  readonly end: number
  readonly result: GuardedBatchResult
}

export const publishLog = (s: Sitrep, kinds: ReadonlyArray<string>, start: number, end: number): PublishLog => ({
  version: s.version,
  generations: s.generations,
  requests: Object.fromEntries(kinds.map((k) => [k, new Set(requestsOf(s, k as KindName).map((r) => r.id))])),
  start,
  end
})

export interface KindState {
  readonly rows: Map<string, string | null>
  readonly markers: Map<string, { gen: bigint; deleted: boolean }>
}
export type DatabaseState = Record<string, KindState>

/** Every resource row (with its state) and every creation marker of every kind. */
export const readState = (sql: SqlClient.SqlClient, kinds: ReadonlyArray<SqlKind>) =>
  Effect.gen(function*() {
    const out: DatabaseState = {}
    for (const k of kinds) {
      const rows = yield* sql.unsafe<{ id: string; state?: string | null }>(`SELECT * FROM ${k.resourceTable}`)
      const markers = yield* sql.unsafe<{ resource_id: string; created_at_generation: bigint; time_deleted: Date | null }>(
        `SELECT resource_id, created_at_generation, time_deleted FROM ${k.markerTable}`
      )
      out[k.kind.name] = {
        rows: new Map(rows.map((r) => [r.id, r.state ?? null])),
        markers: new Map(markers.map((m) => [m.resource_id, { gen: BigInt(m.created_at_generation), deleted: m.time_deleted !== null }]))
      }
    }
    return out
  })

/** Execution progress per kind, as stored (null: never recorded). */
export type ProgressSample = Record<string, { readonly executed: bigint | null; readonly swept: bigint | null }>

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

export const checkInvariants = (input: InvariantInput): InvariantSummary => {
  const { current, publishes, deletes, state: after } = input
  let checks = 0
  const check = (holds: boolean, message: string) => {
    checks += 1
    assert.isTrue(holds, message)
  }

  // Idempotence: the same activation again creates nothing and changes nothing.
  for (const k of input.kinds) assert.strictEqual(input.again.created[k] ?? 0, 0, `idempotence: ${k}`)
  assert.deepStrictEqual(input.again.state, after, "idempotence: the database did not change")
  checks += 1

  const deletedAt = new Map<string, number>() // first delete that removed or began destroying the row
  for (const d of deletes) {
    if ((d.outcome === "Remove" || d.outcome === "BeginDestroying") && !deletedAt.has(`${d.kind}/${d.id}`)) deletedAt.set(`${d.kind}/${d.id}`, d.end)
  }
  let requested = 0
  let markerCount = 0
  for (const k of input.kinds) {
    const { rows, markers } = after[k]!
    const currentRequests = new Set<string>(requestsOf(current, k as KindName).map((r) => r.id))
    requested += currentRequests.size
    markerCount += markers.size
    // No resurrection: a deleted id has no row again (a bundle may still be on its way out),
    // and no second delete ever found a live row to remove.
    for (const [key] of deletedAt) {
      const [kind, id] = key.split("/") as [string, string]
      if (kind !== k) continue
      const state = rows.get(id)
      check(state === undefined || state === "destroying", `no resurrection: ${k} ${id} exists again`)
    }
    const removals = new Map<string, number>()
    for (const d of deletes) if (d.kind === k && (d.outcome === "Remove" || d.outcome === "BeginDestroying")) removals.set(d.id, (removals.get(d.id) ?? 0) + 1)
    for (const [id, n] of removals) {
      checks += 1
      assert.strictEqual(n, 1, `no resurrection: ${k} ${id} was deleted ${n} times`)
    }
    // A deleted id keeps its tombstone until its marker is collectible.
    for (const [key] of deletedAt) {
      const [kind, id] = key.split("/") as [string, string]
      const m = markers.get(id)
      if (kind === k && m !== undefined) check(m.deleted, `no resurrection: ${k} ${id} was deleted, yet its marker is live`)
    }
    for (const c of input.creates ?? []) {
      if (c.kind !== k || c.result._tag !== "Applied") continue
      for (const o of c.result.outcomes) {
        const del = deletedAt.get(`${k}/${o.id}`)
        if (o.outcome === "Created" && del !== undefined) {
          checks += 1
          assert.isBelow(c.start, del, `no resurrection: ${k} ${o.id} created after its delete`)
        }
      }
    }

    // No stale creation: every creation came from a generation that requested the id, and that
    // generation had not been replaced before the creating statement began.
    for (const c of input.creates ?? []) {
      if (c.kind !== k || c.result._tag !== "Applied") continue
      const created = c.result.outcomes.filter((o) => o.outcome === "Created")
      if (created.length === 0) continue
      const atGen = publishes.filter((p) => p.generations[k] === c.held)
      checks += 1
      assert.isAbove(atGen.length, 0, `no stale creation: ${k} generation ${c.held} was never current`)
      const replaced = publishes.find((p) => p.generations[k]! > c.held)
      if (replaced !== undefined) assert.isBelow(c.start, replaced.end, `no stale creation: ${k} at ${c.held} after it was replaced`)
      for (const o of created) check(atGen[0]!.requests[k]!.has(o.id), `no stale creation: ${k} ${o.id} not requested at ${c.held}`)
    }
    for (const [id, m] of markers) {
      const atGen = publishes.find((p) => p.generations[k] === m.gen)
      check(atGen?.requests[k]?.has(id) ?? false, `every marker was created from a sitrep that requested it: ${k} ${id}`)
    }
    // Resource and marker are written in one statement: a live marker always has its row.
    for (const [id, m] of markers) if (!m.deleted) check(rows.has(id), `atomic creation: ${k} ${id} has a live marker but no row`)

    // Convergence: the current sitrep's requests exist unless an operator deleted them.
    for (const id of currentRequests) {
      if (deletedAt.has(`${k}/${id}`)) continue
      check(rows.has(id), `convergence: ${k} ${id} requested and never deleted, yet missing`)
    }
    // GC safety and liveness: after a sweep with reconciliation from the current sitrep, a
    // marker remains exactly where the current sitrep requests the id.
    for (const id of currentRequests) check(markers.has(id), `GC safety: the marker of requested ${k} ${id} is gone`)
    for (const [id] of markers) check(currentRequests.has(id), `GC liveness: ${k} ${id} is no longer requested, yet its marker remains`)
  }

  // Monotonicity: history is dense and ends at the current version; progress never went
  // backwards between samples and is at most the current generation.
  const range = input.history
  range.forEach((v, i) => assert.strictEqual(v, range[0]! + i, "history is dense"))
  assert.strictEqual(range[range.length - 1], current.version)
  checks += range.length
  for (let i = 1; i < input.progress.length; i++) {
    for (const [k, now] of Object.entries(input.progress[i]!)) {
      const before = input.progress[i - 1]![k]
      if (before === undefined) continue
      for (const which of ["executed", "swept"] as const) {
        if (before[which] === null) continue
        check(now[which] !== null && now[which]! >= before[which]!, `monotonicity: ${k} ${which} progress went from ${before[which]} to ${now[which]}`)
      }
    }
  }
  const last = input.progress[input.progress.length - 1] ?? {}
  for (const k of input.kinds) {
    const executed = last[k]?.executed
    assert.isDefined(executed, `monotonicity: ${k} has no execution progress`)
    checks += 1
    assert.isAtMost(Number(executed), Number(current.generations[k]))
  }

  const deleted = deletedAt.size
  return {
    checks,
    deleted,
    requested,
    markers: markerCount,
    line: `SPEC 4 invariants held (${checks} checks: no resurrection over ${deleted} deletes, no stale creation, ` +
      `convergence and GC safety over ${requested} requests, GC liveness over ${markerCount} markers, idempotence, ` +
      `monotonicity over ${input.progress.length} progress samples and ${range.length} history versions)`
  }
}
