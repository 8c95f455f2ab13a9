import {
  type DroppedRequest,
  type KindName,
  requestDigest,
  type SitrepChange,
  type SitrepOutline,
  type SitrepRequest,
  headerOf,
  heldOf,
  parentIsCurrent,
  type PublishOutcome,
  publishAudit,
  pruneAudit,
  requestsOf,
  requestsToExecute,
  type Sitrep,
  SitrepStore,
  type SitrepToPublish,
  type SitrepVersion
} from "@fm-rendezvous/domain"
import { Clock, Effect, Layer, Option, SynchronizedRef } from "effect"
import { hash } from "node:crypto"
import { appendAudit, currentSitrep, type MemoryDb, tableOf } from "./state.ts"
import { MemoryDatabase } from "./database.ts"

/**
 * The order the SQL adapter reads requests in within a case (docs/SQL.md): a request stored once
 * per lineage keeps its entry generation and its position in the document that added it, so
 * carried requests come in the parent's order and the added ones after them in the document's.
 */
const inDefinedOrder = (sitrep: SitrepToPublish, parent: Sitrep | undefined): SitrepToPublish => {
  if (parent === undefined) return sitrep
  const before = new Map<string, number>()
  for (const c of parent.cases) for (const rs of Object.values(c.requests)) rs.forEach((r, i) => before.set(r.id, i))
  return {
    ...sitrep,
    cases: sitrep.cases.map((c) => ({
      ...c,
      requests: Object.fromEntries(Object.entries(c.requests).map(([kind, rs]) => {
        const carried = rs.filter((r) => before.has(r.id)).sort((a, b) => before.get(a.id)! - before.get(b.id)!)
        return [kind, [...carried, ...rs.filter((r) => !before.has(r.id))]]
      }))
    }))
  }
}

/** Node's SHA-256, lowercase hex, as the SQL adapter's. */
const sha256Hex = (text: string): string => hash("sha256", text, "hex")

/** The domain's digest rule (`requestDigest`) with it. */
const digestOf = requestDigest(sha256Hex)

/**
 * A sitrep's outline (issue 19), the SQL adapter's: its carried requests without bodies, each with
 * its digest and its index in its case's list of its kind (the memory store keeps the defined order).
 */
const outlineOf = (s: Sitrep, keep: (r: SitrepRequest, kind: string) => boolean = () => true): SitrepOutline => ({
  id: s.id,
  parentId: s.parentId,
  version: s.version,
  generations: s.generations,
  cases: s.cases.map(({ requests: _r, ...c }) => c),
  carried: Object.keys(s.generations).flatMap((kind) =>
    s.cases.flatMap((c) =>
      (c.requests[kind] ?? []).flatMap((r, position) =>
        keep(r, kind)
          ? [{ kind: kind as KindName, id: r.id, caseId: r.caseId, enteredAt: r.enteredAt, position, digest: digestOf(r.body) }]
          : []
      )
    )
  )
})

/**
 * The whole sitrep a change stands for (`publishChanges`): per case, each kind's requests the
 * parent carried there without the dropped ones, then the added ones by position; the defined
 * order the SQL adapter reads.
 */
const applyChange = (parent: Sitrep | undefined, change: SitrepChange): SitrepToPublish => {
  const dropped = new Set(change.dropped.map((d) => `${d.kind}/${d.id}`))
  const parentCases = new Map((parent?.cases ?? []).map((c) => [c.id, c]))
  const { added, dropped: _d, cases, ...header } = change
  return {
    ...header,
    cases: cases.map(({ requestKinds, ...c }) => ({
      ...c,
      requests: Object.fromEntries(requestKinds.map((kind) => [kind, [
        ...(parentCases.get(c.id)?.requests[kind] ?? []).filter((r) => !dropped.has(`${kind}/${r.id}`)),
        ...added.filter((a) => a.kind === kind && a.request.caseId === c.id).sort((a, b) => a.position - b.position).map((a) => a.request)
      ]]))
    }))
  }
}

const publish = (
  db: MemoryDb,
  actor: string,
  sitrep: SitrepToPublish | SitrepChange,
  dropped: ReadonlyArray<DroppedRequest>
): PublishOutcome => {
  const current = currentSitrep(db)
  if (!parentIsCurrent(sitrep.parentId, current)) {
    return { _tag: "ParentNotCurrent", current: Option.map(Option.fromNullishOr(current), headerOf) }
  }
  if (db.sitreps.has(sitrep.id)) return { _tag: "SitrepExists" }
  const version = ((current?.version ?? 0) + 1) as SitrepVersion
  const stored = "added" in sitrep ? applyChange(current, sitrep) : inDefinedOrder(sitrep, current)
  db.sitreps.set(sitrep.id, { ...stored, version, publishedBy: actor })
  db.history.push({ version, sitrepId: sitrep.id })
  for (const [kind, generation] of Object.entries(sitrep.generations)) {
    const highest = db.highestGenerations.get(kind)
    if (highest === undefined || highest < generation) db.highestGenerations.set(kind, generation)
  }
  // SPEC 3.4: mark the markers of the dropped ids (the SQL adapter does it after the CAS, in the
  // same transaction). An id that never got a marker has nothing to collect and is not recorded.
  for (const d of dropped) {
    const markers = tableOf(db.markers, d.kind)
    const marker = markers.get(d.id)
    if (marker !== undefined && marker.droppedAtGeneration === null) {
      markers.set(d.id, { ...marker, droppedAtGeneration: d.droppedAtGeneration })
    }
  }
  appendAudit(db, publishAudit(actor, sitrep, version))
  return { _tag: "Published", version }
}

const prunePage = (db: MemoryDb, actor: string, keep: number, pageSize: number, now: Date) => {
  const newest = db.history[db.history.length - 1]?.version ?? 0
  keep = Math.max(keep, 1) // the current sitrep is never removed (SPEC 3.5)
  let historyRemoved = 0
  while (historyRemoved < pageSize && db.history.length > 0 && db.history[0]!.version <= newest - keep) {
    db.history.shift()
    historyRemoved += 1
  }
  const inHistory = new Set(db.history.map((h) => h.sitrepId))
  let sitrepsRemoved = 0
  for (const id of [...db.sitreps.keys()]) {
    if (sitrepsRemoved >= pageSize) break
    if (!inHistory.has(id)) {
      db.sitreps.delete(id)
      sitrepsRemoved += 1
    }
  }
  if (historyRemoved > 0 || sitrepsRemoved > 0) appendAudit(db, pruneAudit(actor, keep, { historyRemoved, sitrepsRemoved }, now))
  return { historyRemoved, sitrepsRemoved, pages: 1, done: historyRemoved < pageSize && sitrepsRemoved < pageSize }
}

export const MemorySitrepStore = Layer.effect(
  SitrepStore,
  Effect.gen(function*() {
    const { ref } = yield* MemoryDatabase
    const read = <A>(f: (db: MemoryDb) => A) => SynchronizedRef.modify(ref, (db) => [f(db), db] as const)
    const current = read((db) => Option.fromNullishOr(currentSitrep(db)))
    return SitrepStore.of({
      publish: (grant, sitrep, dropped) => read((db) => publish(db, grant.actor, sitrep, dropped)),
      publishChanges: (grant, change) => read((db) => publish(db, grant.actor, change, change.dropped)),
      currentOutline: read((db) => Option.map(Option.fromNullishOr(currentSitrep(db)), (s) => outlineOf(s))),
      currentExcerpt: (ids, cases) =>
        read((db) => {
          const named = new Set(ids)
          const removed = new Set(cases)
          return Option.map(Option.fromNullishOr(currentSitrep(db)), (s) => outlineOf(s, (r) => named.has(r.id) || removed.has(r.caseId)))
        }),
      sha256Hex,
      highestGenerations: read((db) => Object.fromEntries(db.highestGenerations)),
      currentHeader: read((db) => Option.map(Option.fromNullishOr(currentSitrep(db)), headerOf)),
      current,
      // The memory store holds whole sitreps: a move by the delta is a read of the current one.
      currentFrom: () => current,
      currentHeld: (from) =>
        read((db) =>
          Option.map(Option.fromNullishOr(currentSitrep(db)), (c) =>
            Option.isSome(from) && from.value.id === c.id ? from.value : heldOf(c))
        ),
      // The stored sitrep held (or, pruned, one with the same generation of the kind: it carries
      // the same requests of it), its requests in order through the domain's rule, paged by offset.
      heldRequests: (held, kind, after, cursor, limit) =>
        read((db) => {
          const generation = held.generations[kind]
          const named = db.sitreps.get(held.id)
          const stored = generation === undefined
            ? undefined
            : named?.generations[kind] === generation
            ? named
            : [...db.sitreps.values()].find((s) => s.generations[kind] === generation)
          if (stored === undefined) return { requests: [], cursor: null }
          const all = requestsToExecute(after === null ? { _tag: "All" } : { _tag: "After", executed: after }, requestsOf(stored, kind))
          const start = cursor === null ? 0 : Number(cursor)
          return { requests: all.slice(start, start + limit), cursor: start + limit < all.length ? String(start + limit) : null }
        }),
      byVersion: (version) =>
        read((db) => {
          const row = db.history.find((h) => h.version === version)
          return Option.fromNullishOr(row === undefined ? undefined : db.sitreps.get(row.sitrepId))
        }),
      knownRequestIds: (kind, ids) =>
        read((db) => {
          const known = new Set<string>(tableOf(db.markers, kind).keys())
          for (const s of db.sitreps.values()) for (const r of requestsOf(s as Sitrep, kind)) known.add(r.id)
          return ids.filter((id) => known.has(id))
        }),
      prunePage: (grant, keep, pageSize) =>
        Effect.flatMap(Clock.currentTimeMillis, (ms) => read((db) => prunePage(db, grant.actor, keep, pageSize, new Date(ms)))),
      historyRange: read((db) =>
        db.history.length === 0
          ? Option.none()
          : Option.some({
            oldest: db.history[0]!.version as SitrepVersion,
            newest: db.history[db.history.length - 1]!.version as SitrepVersion
          })
      ),
      currentRequests: (kind, id) =>
        read((db) => {
          const current = currentSitrep(db)
          return current !== undefined && requestsOf(current, kind).some((r) => r.id === id)
        }),
      exists: (id) => read((db) => db.sitreps.has(id))
    })
  })
)
