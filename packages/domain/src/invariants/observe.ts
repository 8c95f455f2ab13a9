import { Effect, Option, Stream } from "effect"
import { Kinds } from "../kinds/registry.ts"
import type { ResourceId } from "../model/ids.ts"
import { MarkerStore } from "../ports/markerStore.ts"
import { ProgressStore } from "../ports/progressStore.ts"
import { ResourceStore } from "../ports/resourceStore.ts"
import { SitrepStore } from "../ports/sitrepStore.ts"
import type { IdsOf } from "./checks.ts"
import type { KindSnapshot, MarkerState, RowState, StoreSnapshot } from "./snapshot.ts"

const PAGE = 500

const fingerprint = (value: unknown) => JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v))

/**
 * A snapshot of the stores through the ports, for the checks of checks.ts: every resource row,
 * the markers of the ids `markersOf` names (the ports list markers only by id), the newest history
 * version and the progress of every kind.
 */
export const observeStores = (markersOf: IdsOf) =>
  Effect.gen(function*() {
    const registry = yield* Kinds
    const resources = yield* ResourceStore
    const markerStore = yield* MarkerStore
    const kinds: Record<string, KindSnapshot> = {}
    for (const kind of registry.all) {
      const listed = yield* Stream.runCollect(Stream.paginate(undefined as ResourceId | undefined, (after) =>
        Effect.map(resources.list(kind.name, { after, limit: PAGE }), (page) =>
          [page, page.length < PAGE ? Option.none() : Option.some(page[page.length - 1]!.id)] as const)))
      const rows = new Map<string, RowState>(listed.map((r) => [r.id, {
        state: r.state,
        content: fingerprint({ caseId: r.caseId, state: r.state, timeCreated: r.timeCreated.getTime(), fields: r.fields })
      }]))
      const markers = new Map<string, MarkerState>()
      for (const id of new Set(markersOf(kind.name))) {
        const m = yield* markerStore.get(kind.name, id as ResourceId)
        if (Option.isSome(m)) markers.set(id, { createdAt: m.value.createdAtGeneration, deleted: m.value.timeDeleted !== null, droppedAt: m.value.droppedAtGeneration })
      }
      kinds[kind.name] = { rows, markers }
    }
    const range = yield* (yield* SitrepStore).historyRange
    const progress = yield* (yield* ProgressStore).readAll
    return {
      kinds,
      newestVersion: Option.match(range, { onNone: () => 0, onSome: (r) => r.newest as number }),
      progress: Object.fromEntries(Object.entries(progress).map(([k, p]) => [k, {
        executed: p.executedThrough?.generation ?? null,
        swept: p.sweptThrough?.generation ?? null
      }]))
    } satisfies StoreSnapshot
  })
