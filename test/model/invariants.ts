import {
  type Check,
  firstViolation,
  gcLiveness,
  gcSafety,
  type KindName,
  type KindSnapshot,
  makeRegistry,
  markerIds,
  MarkerStore,
  monotonicity,
  noResurrection,
  ProgressStore,
  type Resource,
  ResourceStore,
  type ResourceId,
  type Sitrep,
  SitrepStore,
  type StoreSnapshot
} from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"
import { testKinds } from "../support/kinds.ts"

/**
 * The model-based test's use of the SPEC section 4 checks (packages/domain/src/invariants/): every
 * invariant is the domain's, judged over this file's snapshot (only the comparison of the delta
 * and full worlds, and the publish's versions and generations, are the model's own);
 * a failing run throws with the invariant's name, so it says which rule broke.
 */
export class InvariantViolated extends Error {}

export const invariant = (name: string, holds: boolean, detail: () => string) => {
  if (!holds) throw new InvariantViolated(`invariant "${name}" violated: ${detail()}`)
}

/** Throws on the first violated check. */
export const holds = (checks: Check | ReadonlyArray<Check>) => {
  const broken = firstViolation(Array.isArray(checks) ? checks : [checks as Check])
  if (broken !== undefined) throw new InvariantViolated(`invariant "${broken.invariant}" violated: ${broken.violation}`)
}

export const registry = makeRegistry(testKinds)

const fingerprint = (r: Resource) => JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? v.toString() : v))

export interface Snapshot {
  readonly rows: Map<string, Resource>
  readonly markers: Map<string, { createdAt: bigint; deleted: boolean; droppedAt: bigint | null }>
}

const key = (kind: string, id: string) => `${kind}/${id}`

/** Every row of every kind, and the marker of every id the lineage ever requested. */
export const snapshot = (kinds: ReadonlyArray<string>, everRequested: Map<string, Set<string>>) =>
  Effect.gen(function*() {
    const resources = yield* ResourceStore
    const markerStore = yield* MarkerStore
    const rows = new Map<string, Resource>()
    const markers = new Map<string, { createdAt: bigint; deleted: boolean; droppedAt: bigint | null }>()
    for (const kind of kinds) {
      let after: ResourceId | undefined
      while (true) {
        const page = yield* resources.list(kind as KindName, { after, limit: 100 })
        for (const r of page) rows.set(key(kind, r.id), r)
        if (page.length < 100) break
        after = page[page.length - 1]!.id
      }
      for (const id of everRequested.get(kind) ?? []) {
        const m = yield* markerStore.get(kind as KindName, id as ResourceId)
        if (Option.isSome(m)) markers.set(key(kind, id), { createdAt: m.value.createdAtGeneration, deleted: m.value.timeDeleted !== null, droppedAt: m.value.droppedAtGeneration })
      }
    }
    return { rows, markers } satisfies Snapshot
  })

/** The snapshot as the domain's checks read it (per kind, by id). */
const storesOf = (kinds: ReadonlyArray<string>, now: Snapshot, extra: Pick<StoreSnapshot, "newestVersion" | "progress">): StoreSnapshot => {
  const out: Record<string, { rows: Map<string, { state: string | null; content: string }>; markers: Map<string, { createdAt: bigint; deleted: boolean; droppedAt: bigint | null }> }> =
    Object.fromEntries(kinds.map((k) => [k, { rows: new Map(), markers: new Map() }]))
  for (const [k, r] of now.rows) out[k.split("/")[0]!]?.rows.set(r.id, { state: r.state, content: fingerprint(r) })
  for (const [k, m] of now.markers) {
    const [kind, id] = k.split("/") as [string, string]
    out[kind]?.markers.set(id, m)
  }
  return { kinds: out as Record<string, KindSnapshot>, ...extra }
}

/** The snapshot's rows and markers as the domain's checks read them (no history, no progress). */
export const judged = (kinds: ReadonlyArray<string>, now: Snapshot): StoreSnapshot => storesOf(kinds, now, { newestVersion: null, progress: {} })

/** The model's progress (0n: never recorded) as the checks' watermarks. */
export const watermarks = (progress: ReadonlyMap<string, { executed: bigint; swept: bigint }>) => ({
  newestVersion: null,
  progress: Object.fromEntries([...progress].map(([kind, p]) => [kind, { executed: mark(p.executed), swept: mark(p.swept) }]))
})

export interface ModelView {
  readonly kinds: ReadonlyArray<string>
  readonly current: Sitrep | undefined
  readonly deleted: Map<string, Set<string>>
  readonly everCreated: Map<string, Set<string>>
  readonly everMarked: Map<string, Set<string>>
  readonly newestVersion: number
  readonly progress: Map<string, { executed: bigint; swept: bigint }>
}

// The model keeps 0n for "never recorded" (no generation is 0).
const mark = (g: bigint) => (g === 0n ? null : g)

/** The invariants that hold after EVERY command: no resurrection, GC safety, monotonicity. Returns the newest version. */
export const checkAlways = (model: ModelView, snap: Snapshot) =>
  Effect.gen(function*() {
    const range = yield* Effect.flatMap(SitrepStore, (s) => s.historyRange)
    const stored = yield* Effect.flatMap(ProgressStore, (p) => p.readAll)
    const progress = Object.fromEntries(model.kinds.map((k) => [k, {
      executed: stored[k]?.executedThrough?.generation ?? null,
      swept: stored[k]?.sweptThrough?.generation ?? null
    }]))
    const now = storesOf(model.kinds, snap, { newestVersion: Option.match(range, { onNone: () => 0, onSome: (r) => r.newest as number }), progress })
    const deleted = model.kinds.flatMap((kind) => [...(model.deleted.get(kind) ?? [])].map((id) => ({ kind, id })))
    holds(noResurrection(registry, now, deleted))
    if (model.current !== undefined) {
      holds(gcSafety(registry, now, model.current, (kind, id) => model.everMarked.get(kind)?.has(id) ?? false))
    }
    holds(monotonicity({ ...watermarks(model.progress), newestVersion: model.newestVersion }, now))
    for (const kind of model.kinds) {
      model.progress.set(kind, { executed: now.progress[kind]?.executed ?? 0n, swept: now.progress[kind]?.swept ?? 0n })
    }
    return now.newestVersion ?? 0
  })

/** GC liveness (SPEC 4): after a sweep judged from the current sitrep, nothing collectible is left. */
export const checkLiveness = (model: ModelView, snap: Snapshot) => {
  if (model.current === undefined) return
  const now = storesOf(model.kinds, snap, { newestVersion: null, progress: {} })
  holds(gcLiveness(registry, now, model.current, markerIds(now)))
}

export { key }
