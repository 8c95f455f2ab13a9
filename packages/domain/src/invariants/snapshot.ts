import type { GuardedBatchResult } from "../ports/resourceStore.ts"
import type { KindName } from "../model/ids.ts"
import { requestsOf, type Sitrep } from "../model/sitrep.ts"

/**
 * What the SPEC 4 checks judge: a snapshot of the stores and the logs of what the actors did. The
 * checks (checks.ts) are pure functions of these; each caller fills them its own way (through the
 * ports: observe.ts; straight from SQL: the tests' reader).
 */

/** One resource row: its lifecycle state (null for kinds without one) and a fingerprint of all it holds. */
export interface RowState {
  readonly state: string | null
  readonly content: string
}

/** One creation marker: the generation it was created at, and whether it is a tombstone. */
export interface MarkerState {
  readonly createdAt: bigint
  readonly deleted: boolean
  /** The generation that dropped its id (SPEC 3.4); null while requested. */
  readonly droppedAt: bigint | null
}

/**
 * A tombstone a delete wrote for a row FM did not create, where nothing requested the id (issue 18,
 * `tombstoneFor`): dropped at the very generation it is stamped with. No creation can look like
 * that (FM creates an id at a generation that requests it; a later one drops it).
 */
export const isStrayTombstone = (m: MarkerState): boolean => m.deleted && m.droppedAt !== null && m.droppedAt === m.createdAt

export interface KindSnapshot {
  /** Every resource row of the kind, by id. */
  readonly rows: ReadonlyMap<string, RowState>
  /** The creation markers of (at least) every id the checks ask about, by id; absent: no marker. */
  readonly markers: ReadonlyMap<string, MarkerState>
}

/** Execution progress of one kind (null: never recorded). */
export interface ProgressMarks {
  readonly executed: bigint | null
  readonly swept: bigint | null
}

/** What must never go backwards: the newest history version (null: not read) and progress. */
export interface Watermarks {
  readonly newestVersion: number | null
  readonly progress: Readonly<Record<string, ProgressMarks>>
}

export interface StoreSnapshot extends Watermarks {
  /** Per kind name. */
  readonly kinds: Readonly<Record<string, KindSnapshot>>
}

/** One sitrep that became current: its generations and requests per kind, and when (any clock). */
export interface Published {
  readonly version: number
  readonly generations: Readonly<Record<string, bigint>>
  readonly requests: Readonly<Record<string, ReadonlySet<string>>>
  readonly start: number
  readonly end: number
}

/** One operator delete and its plan's tag (`Remove`, `BeginDestroying`, `AlreadyDeleted`, ...). */
export interface DeleteLog {
  readonly kind: string
  readonly id: string
  readonly outcome: string
  readonly start: number
  readonly end: number
}

/** One guarded batch an executor ran, with the generation it held and when. */
export interface CreateLog {
  readonly kind: KindName
  readonly held: bigint
  readonly start: number
  readonly end: number
  readonly result: GuardedBatchResult
}

export const published = (s: Sitrep, kinds: ReadonlyArray<string>, start = 0, end = start): Published => ({
  version: s.version,
  generations: s.generations,
  requests: Object.fromEntries(kinds.map((k) => [k, new Set(requestsOf(s, k as KindName).map((r) => r.id))])),
  start,
  end
})

/** Whether the lineage requested `id` of `kind` at `generation` (one generation, one request set: SPEC 2). */
export const requestedAt = (lineage: ReadonlyArray<Published>, kind: string, generation: bigint, id: string): boolean =>
  lineage.some((p) => p.generations[kind] === generation && (p.requests[kind]?.has(id) ?? false))

/** Ids some sitrep of the lineage requested that the last one no longer does (ids never reappear). */
export const droppedIds = (lineage: ReadonlyArray<Published>, kind: string): Set<string> => {
  const last = lineage[lineage.length - 1]?.requests[kind] ?? new Set<string>()
  const dropped = new Set<string>()
  for (const p of lineage) for (const id of p.requests[kind] ?? []) if (!last.has(id)) dropped.add(id)
  return dropped
}

/** The deletes that removed a row or began destroying it (plans that changed what exists). */
export const removals = (deletes: ReadonlyArray<DeleteLog>): ReadonlyArray<DeleteLog> =>
  deletes.filter((d) => d.outcome === "Remove" || d.outcome === "BeginDestroying")

const sameMaps = <V>(a: ReadonlyMap<string, V>, b: ReadonlyMap<string, V>, same: (x: V, y: V) => boolean) =>
  a.size === b.size && [...a].every(([k, v]) => b.has(k) && same(v, b.get(k)!))

/** Whether two snapshots hold the same rows and markers (what a change to the stores would show). */
export const sameStores = (a: StoreSnapshot, b: StoreSnapshot): boolean => {
  const kinds = new Set([...Object.keys(a.kinds), ...Object.keys(b.kinds)])
  return [...kinds].every((k) => {
    const x = a.kinds[k], y = b.kinds[k]
    if (x === undefined || y === undefined) return x === y
    return sameMaps(x.rows, y.rows, (r, s) => r.state === s.state && r.content === s.content) &&
      sameMaps(x.markers, y.markers, (m, n) => m.createdAt === n.createdAt && m.deleted === n.deleted)
  })
}
