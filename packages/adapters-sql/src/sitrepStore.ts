import {
  type CarriedRequest,
  type Case,
  type CaseHeader,
  type CaseId,
  type DroppedRequest,
  type Generation,
  type HeldSitrep,
  type HeldRequestsPage,
  type KindName,
  parentIsCurrent,
  publishAudit,
  pruneAudit,
  type PublishOutcome,
  type ResourceId,
  type Sitrep,
  type SitrepHeader,
  type SitrepId,
  type SitrepRequest,
  SitrepStore,
  type SitrepOutline,
  type SitrepToPublish
} from "@fm-rendezvous/domain"
import { Clock, Data, Effect, Layer, Option } from "effect"
import { SqlClient, SqlError } from "effect/sql"
import { insertAudit } from "./audit.ts"
import { SqlKinds } from "./kinds.ts"
import { SqlProfile } from "./profile.ts"
import { ambiguous } from "./sqlstate.ts"
import { withRetry } from "./retry.ts"
import { toDate, toGeneration, toVersion } from "./rows.ts"
import { transactions } from "./transactions.ts"
import { storeError } from "./wording.ts"
import { decodeSentinel, SENTINELS } from "./sentinel.ts"
import * as S from "./sitreps.ts"
import * as K from "./kindRecords.ts"

type Sql = SqlClient.SqlClient

/** What a publish writes of a sitrep besides its cases and requests. */
type SitrepChangeHeader = Omit<SitrepToPublish, "cases">

/** A publish that must roll back: the failure carries the outcome out of the transaction. */
class PublishConflict extends Data.TaggedError("PublishConflict")<{ readonly outcome: "ParentNotCurrent" | "SitrepExists" }> {}

const loadHeader = (sql: Sql) =>
  Effect.map(S.selectCurrentHeader(sql), (rows): Option.Option<SitrepHeader> => {
    const first = rows[0]
    if (first === undefined) return Option.none()
    const generations: Record<KindName, Generation> = {}
    for (const r of rows) if (r.kind !== null) generations[r.kind as KindName] = toGeneration(r.generation)
    return Option.some({ id: first.sitrep_id as SitrepId, version: toVersion(first.version), generations })
  })

/** Shares one bigint per distinct entry generation and one string per case id across requests. */
const sharing = () => {
  const entries = new Map<bigint, Generation>()
  const caseIds = new Map<string, Case["id"]>()
  return {
    entry: (g: bigint): Generation => {
      let shared = entries.get(g)
      if (shared === undefined) entries.set(g, (shared = toGeneration(g)))
      return shared
    },
    caseId: (id: string): Case["id"] => {
      let shared = caseIds.get(id)
      if (shared === undefined) caseIds.set(id, (shared = id as Case["id"]))
      return shared
    }
  }
}

/** `kind/caseId` -> that case's requests of that kind, in order. */
type ByCase = Map<string, Array<SitrepRequest>>

const addRows = (byCase: ByCase, rows: ReadonlyArray<S.LineageRequestRow>, share: ReturnType<typeof sharing>) => {
  for (const r of rows) {
    const caseId = share.caseId(r.case_id)
    const key = `${r.kind}/${caseId}`
    let list = byCase.get(key)
    if (list === undefined) byCase.set(key, (list = []))
    list.push({ id: r.id as ResourceId, caseId, body: r.body, enteredAt: share.entry(BigInt(r.entered_at_generation)) })
  }
}

/**
 * A whole sitrep, read in one snapshot. Requests come from `lineage_request` by the interval
 * rule, unless `held` (an older version of the lineage, which every older stored version is) is
 * given: then a kind whose generation did not move keeps the held requests, and one that moved
 * reads only the rows entered or dropped between the two generations (issue 19). Either way the
 * order within a case is the defined one: entry generation, then position in the document that
 * added it, so the two paths give equal sitreps.
 */
const loadSitrep = (sql: Sql, id: string, version: bigint, held?: Sitrep) =>
  Effect.gen(function*() {
    const row = (yield* S.selectSitrep(sql, id))[0]
    if (row === undefined) return Option.none<Sitrep>()
    const generations: Record<KindName, Generation> = {}
    for (const g of yield* S.selectGenerations(sql, id)) generations[g.kind as KindName] = toGeneration(g.generation)
    const caseRows = yield* S.selectCases(sql, id)
    const share = sharing()
    const byCase: ByCase = new Map()
    const fromHeld = held !== undefined && held.version < version &&
      Object.entries(generations).every(([kind, g]) => held.generations[kind as KindName] !== undefined && held.generations[kind as KindName]! <= g)
    if (!fromHeld) addRows(byCase, yield* S.selectRequests(sql, id), share)
    else {
      for (const [kind, to] of Object.entries(generations) as Array<[KindName, Generation]>) {
        const from = held.generations[kind]!
        const dropped = from === to ? new Set<string>() : new Set((yield* S.selectDroppedBetween(sql, kind, from, to)).map((r) => r.id))
        for (const c of held.cases) {
          const kept = (c.requests[kind] ?? []).filter((r) => !dropped.has(r.id))
          if (kept.length > 0) byCase.set(`${kind}/${share.caseId(c.id)}`, kept)
        }
        if (from !== to) addRows(byCase, yield* S.selectEnteredBetween(sql, kind, from, to), share)
      }
    }
    const cases = caseRows.map((c): Case => ({
      id: share.caseId(c.id),
      comment: c.comment,
      closed: c.closed,
      requests: Object.fromEntries(c.request_kinds.map((kind) => [kind, byCase.get(`${kind}/${c.id}`) ?? []])),
      firstSitrepId: c.first_sitrep_id as SitrepId,
      closedSitrepId: c.closed_sitrep_id as SitrepId | null
    }))
    return Option.some<Sitrep>({
      id: row.id as SitrepId,
      parentId: row.parent_id as SitrepId | null,
      version: toVersion(version),
      creatorId: row.creator_id,
      publishedBy: row.published_by ?? null,
      timeCreated: toDate(row.time_created),
      comment: row.comment,
      generations,
      cases
    })
  })

const loadAt = (sql: Sql, head: S.HistoryRow | undefined, held?: Sitrep) =>
  head === undefined
    ? Effect.succeed(Option.none<Sitrep>())
    : held !== undefined && held.id === head.sitrep_id
    ? Effect.succeed(Option.some(held))
    : loadSitrep(sql, head.sitrep_id, head.version, held)

const count = (v: bigint | number | string): number => Number(v)

/**
 * The current sitrep as an executor holds it (issue 19), read in one snapshot: the header, and
 * per kind the count of its requests. A kind whose generation did not move since `from` keeps
 * its count; one that moved from a held generation at or below counts only the rows entered or
 * dropped in between (`selectCountMove`, O(Delta)); any other (no `from`, a kind new to it)
 * counts from generation 0, every carried row (the first load), and so does every kind when
 * `from` is no longer stored (pruned: the rows dropped since may be gone too).
 */
const loadHeld = (sql: Sql, from: HeldSitrep | undefined) =>
  Effect.gen(function*() {
    const header = yield* loadHeader(sql)
    if (Option.isNone(header)) return Option.none<HeldSitrep>()
    const h = header.value
    if (from !== undefined && from.id === h.id) return Option.some(from)
    // Pruning removes the rows dropped at or below the oldest retained generation: counted from a
    // held version no longer stored, the drops in between could be missing, so count afresh.
    const moving = from !== undefined && from.version < h.version && (yield* S.selectSitrepExists(sql, from.id)).length > 0
      ? from
      : undefined
    const requested: Record<string, number> = {}
    for (const [kind, to] of Object.entries(h.generations) as Array<[KindName, Generation]>) {
      const held = moving?.generations[kind]
      const base = held !== undefined && held <= to ? { generation: held, count: moving!.requested[kind] ?? 0 } : { generation: 0n as Generation, count: 0 }
      if (base.generation === to) requested[kind] = base.count
      else {
        const moved = (yield* S.selectCountMove(sql, kind, base.generation, to))[0]!
        requested[kind] = base.count + count(moved.entered) - count(moved.dropped)
      }
    }
    return Option.some<HeldSitrep>({ ...h, requested })
  })

/** `heldRequests`' cursor: the last row's key, `generation:position:id`. */
const encodeKey = (r: S.HeldRequestRow) => `${r.entered_at_generation}:${r.position}:${r.id}`
const decodeKey = (cursor: string) => {
  const [g, p, id] = cursor.split(":")
  return { enteredAt: toGeneration(BigInt(g!)), position: Number(p), id: id! }
}

/**
 * A publish whose outcome the client could not learn: CockroachDB's 40003 ("statement completion
 * unknown", an ambiguous commit), or a connection lost while the transaction ran or committed.
 * Re-running it blindly would read its own committed sitrep as `SitrepExists` (or its CAS as
 * `ParentNotCurrent`), so history decides: did this sitrep become current? If so it was
 * published, at the version history names; if not, nothing of it was committed, and it is run
 * once more (a second ambiguity is reported as the failure it is).
 */
export const resolveAmbiguous = (sql: Sql, id: SitrepId) =>
<E, R>(attempt: Effect.Effect<PublishOutcome, E, R>) =>
  Effect.catchIf(attempt, ambiguous, () =>
    Effect.flatMap(withRetry(S.selectHistoryVersionOf(sql, id)), (rows) =>
      rows[0] === undefined
        ? attempt
        : Effect.succeed<PublishOutcome>({ _tag: "Published", version: toVersion(rows[0].version) })))

/** The dropped ids by kind and dropping generation (one generation per kind and publish). */
const groupDropped = (dropped: ReadonlyArray<DroppedRequest>) => {
  const groups = new Map<string, { key: readonly [KindName, Generation]; ids: Array<string> }>()
  for (const d of dropped) {
    const name = `${d.kind}/${d.droppedAtGeneration}`
    let group = groups.get(name)
    if (group === undefined) groups.set(name, (group = { key: [d.kind, d.droppedAtGeneration], ids: [] }))
    group.ids.push(d.id)
  }
  return [...groups.values()].map((g) => [g.key, g.ids] as const)
}

export const SqlSitrepStore = Layer.effect(
  SitrepStore,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const kinds = yield* SqlKinds
    const profile = yield* SqlProfile
    const tx = transactions(sql, profile)

    /**
     * SPEC 3.5: children first, then the CAS, then the drop marks (SPEC 3.4), all in one
     * transaction, so no reader ever sees a current sitrep without its children. Under
     * SERIALIZABLE (the CockroachDB profile) a guarded creation racing it is refused by the
     * read-write cycle and re-run. On the PostgreSQL profile READ COMMITTED suffices: the rows
     * written before the CAS are invisible until commit, the CAS locks the row it supersedes
     * (waiting for guarded creations holding it FOR SHARE), and the marks, a later statement, see
     * every marker those creations committed (docs/SQL.md, "Safety").
     */
    const publish = (
      actor: string,
      s: SitrepChangeHeader,
      cases: ReadonlyArray<CaseHeader>,
      addedRows: (parentGenerations: Readonly<Record<string, Generation>>) => ReadonlyArray<S.RequestRow>,
      dropped: ReadonlyArray<DroppedRequest>
    ) =>
      Effect.gen(function*() {
        // A dropped id of a kind without tables cannot be recorded: refuse before writing anything.
        for (const d of dropped) yield* kinds.lookup(d.kind)
        const head = yield* loadHeader(sql)
        const current = Option.getOrUndefined(head)
        if (!parentIsCurrent(s.parentId, current)) return yield* new PublishConflict({ outcome: "ParentNotCurrent" })
        if ((yield* S.insertSitrep(sql, s)).length === 0) return yield* new PublishConflict({ outcome: "SitrepExists" })
        yield* S.insertPublisher(sql, s.id, actor)
        yield* S.insertGenerations(sql, s.id, s.generations)
        if (Object.keys(s.generations).length > 0) yield* K.raiseHighestGenerations(sql, s.generations)
        if (cases.length > 0) yield* S.insertCases(sql, s.id, cases)
        // Only what changed (issue 19): the added requests get rows, the dropped ones their drop
        // generation; carried ones are written nowhere. Each must hit exactly the rows it names,
        // else an id reappeared or a publish from the same parent won: abort, nothing written.
        const added = addedRows(current?.generations ?? {})
        if (added.length > 0 && (yield* S.insertRequests(sql, added)).length !== added.length) {
          return yield* new PublishConflict({ outcome: "ParentNotCurrent" })
        }
        for (const [kind, generation] of Object.entries(current?.generations ?? {})) {
          if (s.generations[kind] === undefined) yield* S.dropKindRequests(sql, kind, generation)
        }
        const groups = groupDropped(dropped)
        for (const [key, ids] of groups) {
          const [kind, generation] = key
          if ((yield* S.dropRequests(sql, kind, generation, ids)).length !== ids.length) {
            return yield* new PublishConflict({ outcome: "ParentNotCurrent" })
          }
        }
        const cas = yield* Effect.catchIf(
          S.casHistory(sql, s.id, s.parentId),
          (e) => decodeSentinel(e) === SENTINELS.parentNotCurrent,
          () => Effect.succeed([])
        )
        const version = cas[0]?.version
        if (version === undefined) return yield* new PublishConflict({ outcome: "ParentNotCurrent" })
        // After the CAS, never before: see `markDropped`.
        for (const [[kind, generation], ids] of groups) yield* S.markDropped(sql, yield* kinds.lookup(kind), generation, ids)
        yield* insertAudit(sql, publishAudit(actor, s, Number(version)))
        return { _tag: "Published", version: toVersion(version) } as PublishOutcome
      }).pipe(
        tx.readWrite,
        resolveAmbiguous(sql, s.id),
        Effect.catchTag("PublishConflict", (r) =>
          r.outcome === "SitrepExists"
            ? Effect.succeed<PublishOutcome>({ _tag: "SitrepExists" })
            : Effect.map(loadHeader(sql), (current): PublishOutcome => ({ _tag: "ParentNotCurrent", current })))
      )

    const prunePage = (actor: string, keep: number, pageSize: number) =>
      tx.readWrite(
        Effect.gen(function*() {
          const at = new Date(yield* Clock.currentTimeMillis)
          const removed = (yield* S.pruneHistoryPage(sql, keep, pageSize)).map((r) => r.sitrep_id)
          if (removed.length > 0) {
            yield* S.deleteSitrepRows(sql, "sitrep_case", removed)
            yield* S.deleteSitrepRows(sql, "sitrep_generation", removed)
            yield* S.deleteSitrepRows(sql, "sitrep_publisher", removed)
            yield* S.deleteSitreps(sql, removed)
          }
          // A request row goes once no retained version carries it: dropped at or below the
          // oldest retained generation of its kind (read after this page's history rows left).
          let requestsRemoved = 0
          for (const k of kinds.all) requestsRemoved = Math.max(requestsRemoved, (yield* S.pruneRequestsPage(sql, k.kind.name, pageSize)).length)
          // Every stored sitrep entered history when it was published, and leaves storage in the
          // transaction that removes its history row: the two counts are the same.
          if (removed.length > 0) {
            yield* insertAudit(sql, pruneAudit(actor, keep, { historyRemoved: removed.length, sitrepsRemoved: removed.length }, at))
          }
          return {
            historyRemoved: removed.length,
            sitrepsRemoved: removed.length,
            pages: 1,
            done: removed.length < pageSize && requestsRemoved < pageSize
          }
        })
      )

    /** The current sitrep's outline (issue 19), in one snapshot: all its carried requests, or those `touched` reads. */
    const outline = (touched?: { readonly ids: ReadonlyArray<string>; readonly cases: ReadonlyArray<string> }) =>
      tx.snapshot(Effect.gen(function*() {
        const head = (yield* S.selectCurrentVersion(sql))[0]
        if (head === undefined) return Option.none<SitrepOutline>()
        const id = head.sitrep_id
        const row = (yield* S.selectSitrep(sql, id))[0]
        if (row === undefined) return Option.none<SitrepOutline>()
        const generations: Record<KindName, Generation> = {}
        for (const g of yield* S.selectGenerations(sql, id)) generations[g.kind as KindName] = toGeneration(g.generation)
        const cases = (yield* S.selectCases(sql, id)).map((c) => ({
          id: c.id as CaseId,
          comment: c.comment,
          closed: c.closed,
          firstSitrepId: c.first_sitrep_id as SitrepId,
          closedSitrepId: c.closed_sitrep_id as SitrepId | null
        }))
        // A delta that removes cases needs their requests: without an index by case, the removed
        // cases' requests are found in the whole outline (bodies still unread; docs/PERFORMANCE.md).
        const rows = touched === undefined || touched.cases.length > 0 ? yield* S.selectOutline(sql, id) : []
        const named = touched === undefined || touched.ids.length === 0 ? [] : yield* S.selectCarriedByIds(sql, id, touched.ids)
        const removed = new Set(touched?.cases ?? [])
        const share = sharing()
        const request = (r: S.OutlineRow): CarriedRequest => ({
          kind: r.kind as KindName,
          id: r.id as ResourceId,
          caseId: share.caseId(r.case_id),
          enteredAt: share.entry(BigInt(r.entered_at_generation)),
          position: r.position,
          digest: r.digest ?? S.digestOf(r.body ?? {})
        })
        // The whole outline in its order; an excerpt without duplicates (a touched id of a removed case is read twice).
        const carried = touched === undefined
          ? rows.map(request)
          : [...new Map([...rows.filter((r) => removed.has(r.case_id)), ...named].map((r) => [`${r.kind}/${r.id}`, request(r)])).values()]
        return Option.some<SitrepOutline>({
          id: id as SitrepId,
          parentId: row.parent_id as SitrepId | null,
          version: toVersion(head.version),
          generations,
          cases,
          carried
        })
      }))

    return SitrepStore.of({
      publish: (grant, s, dropped) =>
        publish(grant.actor, s, S.caseHeaders(s), (parent) => S.addedRequestRows(s, parent), dropped).pipe(storeError(`publishing sitrep ${s.id}`)),
      publishChanges: (grant, change) =>
        publish(grant.actor, change, change.cases, () => S.changeRequestRows(change.added), change.dropped).pipe(
          storeError(`publishing sitrep ${change.id}`)
        ),
      currentOutline: outline().pipe(storeError("reading the current sitrep's outline")),
      currentExcerpt: (ids, cases) => outline({ ids, cases }).pipe(storeError("reading the current sitrep's outline")),
      sha256Hex: S.sha256Hex,
      highestGenerations: withRetry(K.selectHighestGenerations(sql)).pipe(
        Effect.map((rows) => Object.fromEntries(rows.map((r) => [r.kind, toGeneration(r.highest_generation)]))),
        storeError("reading each kind's highest generation")
      ),
      currentHeader: withRetry(loadHeader(sql)).pipe(storeError("reading the current sitrep")),
      current: tx.snapshot(Effect.flatMap(S.selectCurrentVersion(sql), (rows) => loadAt(sql, rows[0]))).pipe(
        storeError("reading the current sitrep")
      ),
      currentFrom: (held) =>
        tx.snapshot(Effect.flatMap(S.selectCurrentVersion(sql), (rows) => loadAt(sql, rows[0], held))).pipe(
          storeError("reading the current sitrep")
        ),
      currentHeld: (from) =>
        tx.snapshot(loadHeld(sql, Option.getOrUndefined(from))).pipe(storeError("reading the current sitrep")),
      heldRequests: (held, kind, after, cursor, limit) =>
        Effect.gen(function*() {
          const to = held.generations[kind]
          if (to === undefined) return { requests: [], cursor: null }
          const from = after ?? (0n as Generation)
          const key = cursor === null ? { enteredAt: from, ...S.FIRST_HELD_KEY } : decodeKey(cursor)
          const rows = yield* withRetry(S.selectHeldRequestsPage(sql, kind, from, to, key, limit))
          const share = sharing()
          const requests = rows.map((r): SitrepRequest => ({
            id: r.id as ResourceId,
            caseId: share.caseId(r.case_id),
            body: r.body,
            enteredAt: share.entry(BigInt(r.entered_at_generation))
          }))
          const last = rows[rows.length - 1]
          return { requests, cursor: rows.length < limit || last === undefined ? null : encodeKey(last) } satisfies HeldRequestsPage
        }).pipe(storeError(`reading the ${kind} requests of sitrep ${held.id}`)),
      byVersion: (version) =>
        tx.snapshot(Effect.flatMap(S.selectVersion(sql, version), (rows) => loadAt(sql, rows[0]))).pipe(
          storeError(`reading sitrep version ${version}`)
        ),
      knownRequestIds: (kind, ids) =>
        Effect.gen(function*() {
          if (ids.length === 0) return []
          const k = yield* kinds.lookup(kind)
          const known = new Set((yield* withRetry(S.selectKnownIds(sql, k, ids))).map((r) => r.id))
          return ids.filter((id) => known.has(id))
        }).pipe(storeError(`looking up ${kind} request ids`)),
      prunePage: (grant, keep, pageSize) => prunePage(grant.actor, keep, pageSize).pipe(storeError("pruning sitrep history")),
      historyRange: withRetry(S.selectHistoryRange(sql)).pipe(
        Effect.map((rows) => {
          const r = rows[0]
          return r === undefined || r.oldest === null || r.newest === null
            ? Option.none()
            : Option.some({ oldest: toVersion(r.oldest), newest: toVersion(r.newest) })
        }),
        storeError("reading the sitrep history range")
      ),
      currentRequests: (kind, id) =>
        withRetry(S.selectCurrentRequests(sql, kind, id)).pipe(
          Effect.map((rows) => rows.length > 0),
          storeError(`looking up ${kind} request ${id} in the current sitrep`)
        ),
      exists: (id) =>
        withRetry(S.selectSitrepExists(sql, id)).pipe(Effect.map((rows) => rows.length > 0), storeError(`looking up sitrep ${id}`))
    })
  })
)
