import {
  type KindName,
  MarkerStore,
  ProgressStore,
  type Resource,
  ResourceStore,
  type ResourceId,
  requestsOf,
  type Sitrep,
  SitrepStore
} from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"

/** Thrown with the SPEC section 4 invariant's name, so a failing run says which rule broke. */
export class InvariantViolated extends Error {}

export const invariant = (name: string, holds: boolean, detail: () => string) => {
  if (!holds) throw new InvariantViolated(`invariant "${name}" violated: ${detail()}`)
}

export interface Snapshot {
  readonly rows: Map<string, Resource>
  readonly markers: Map<string, { createdAt: bigint; deleted: boolean }>
}

const key = (kind: string, id: string) => `${kind}/${id}`

/** Every row of every kind, and the marker of every id the lineage ever requested. */
export const snapshot = (kinds: ReadonlyArray<string>, everRequested: Map<string, Set<string>>) =>
  Effect.gen(function*() {
    const resources = yield* ResourceStore
    const markerStore = yield* MarkerStore
    const rows = new Map<string, Resource>()
    const markers = new Map<string, { createdAt: bigint; deleted: boolean }>()
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
        if (Option.isSome(m)) markers.set(key(kind, id), { createdAt: m.value.createdAtGeneration, deleted: m.value.timeDeleted !== null })
      }
    }
    return { rows, markers } satisfies Snapshot
  })

export const sameState = (a: Snapshot, b: Snapshot): boolean => {
  const rows = (s: Snapshot) => JSON.stringify([...s.rows.entries()].sort(), (_k, v) => (typeof v === "bigint" ? v.toString() : v))
  const markers = (s: Snapshot) => JSON.stringify([...s.markers.entries()].sort(), (_k, v) => (typeof v === "bigint" ? v.toString() : v))
  return rows(a) === rows(b) && markers(a) === markers(b)
}

export interface ModelView {
  readonly kinds: ReadonlyArray<string>
  readonly current: Sitrep | undefined
  readonly deleted: Map<string, Set<string>>
  readonly everCreated: Map<string, Set<string>>
  readonly newestVersion: number
  readonly progress: Map<string, { executed: bigint; swept: bigint }>
}

/** The invariants that hold after EVERY command (SPEC section 4). */
export const checkAlways = (model: ModelView, now: Snapshot) =>
  Effect.gen(function*() {
    for (const kind of model.kinds) {
      for (const id of model.deleted.get(kind) ?? []) {
        const row = now.rows.get(key(kind, id))
        invariant("No resurrection", row === undefined || row.state === "destroying", () =>
          `${kind} ${id} was deleted by an operator but exists again (state ${row?.state})`)
      }
      if (model.current !== undefined) {
        for (const r of requestsOf(model.current, kind as KindName)) {
          if (!(model.everCreated.get(kind)?.has(r.id) ?? false)) continue
          invariant("GC safety", now.markers.has(key(kind, r.id)), () =>
            `the marker of ${kind} ${r.id} is gone while the current sitrep (which passes the guard) requests it`)
        }
      }
    }
    const range = yield* Effect.flatMap(SitrepStore, (s) => s.historyRange)
    const newest = Option.match(range, { onNone: () => 0, onSome: (r) => r.newest as number })
    invariant("Monotonicity", newest >= model.newestVersion, () => `history went back from version ${model.newestVersion} to ${newest}`)
    const progress = yield* Effect.flatMap(ProgressStore, (p) => p.readAll)
    for (const kind of model.kinds) {
      const before = model.progress.get(kind) ?? { executed: 0n, swept: 0n }
      const executed = progress[kind]?.executedThrough?.generation ?? 0n
      const swept = progress[kind]?.sweptThrough?.generation ?? 0n
      invariant("Monotonicity", executed >= before.executed && swept >= before.swept, () =>
        `${kind} progress went backwards: executed ${before.executed} -> ${executed}, swept ${before.swept} -> ${swept}`)
      model.progress.set(kind, { executed, swept })
    }
    return newest
  })

/** GC liveness (SPEC 4): after a sweep judged from the current sitrep, nothing collectible is left. */
export const checkLiveness = (model: ModelView, now: Snapshot) => {
  const current = model.current
  if (current === undefined) return
  for (const kind of model.kinds) {
    const generation = current.generations[kind]!
    const requested = new Set<string>(requestsOf(current, kind as KindName).map((r) => r.id))
    for (const [k, m] of now.markers) {
      const [markerKind, id] = k.split("/") as [string, string]
      if (markerKind !== kind || requested.has(id)) continue
      invariant("GC liveness", m.createdAt >= generation, () =>
        `the marker of ${kind} ${id} (created at generation ${m.createdAt}) survived a sweep from the current sitrep at generation ${generation}, which no longer requests it`)
    }
  }
}

export { key }
