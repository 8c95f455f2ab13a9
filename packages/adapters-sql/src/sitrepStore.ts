import {
  type Case,
  type DroppedRequest,
  type Generation,
  type KindName,
  parentIsCurrent,
  type PublishOutcome,
  type ResourceId,
  type Sitrep,
  type SitrepHeader,
  type SitrepId,
  type SitrepRequest,
  SitrepStore,
  type SitrepToPublish
} from "@fm-rendezvous/domain"
import { Data, Effect, Layer, Option } from "effect"
import { SqlClient, SqlError } from "effect/sql"
import { SqlKinds } from "./kinds.ts"
import { SqlProfile } from "./profile.ts"
import { sqlStateOf } from "./sqlstate.ts"
import { withRetry } from "./retry.ts"
import { toDate, toGeneration, toVersion } from "./rows.ts"
import { transactions } from "./transactions.ts"
import { storeError } from "./wording.ts"
import { decodeSentinel, SENTINELS } from "./sentinel.ts"
import * as S from "./sitreps.ts"
import * as K from "./kindRecords.ts"

type Sql = SqlClient.SqlClient

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

/**
 * A whole sitrep, read in one snapshot; cases and requests keep their published order. An
 * executor holds it for as long as it is current, so every request shares what it can instead of
 * keeping a copy per row: its case's id string and one bigint per distinct entry generation.
 */
const loadSitrep = (sql: Sql, id: string, version: bigint) =>
  Effect.gen(function*() {
    const row = (yield* S.selectSitrep(sql, id))[0]
    if (row === undefined) return Option.none<Sitrep>()
    const generations: Record<KindName, Generation> = {}
    for (const g of yield* S.selectGenerations(sql, id)) generations[g.kind as KindName] = toGeneration(g.generation)
    const caseRows = yield* S.selectCases(sql, id)
    const caseIds = new Map(caseRows.map((c) => [c.position, c.id as Case["id"]]))
    const entries = new Map<bigint, Generation>()
    const entry = (g: bigint): Generation => {
      let shared = entries.get(g)
      if (shared === undefined) entries.set(g, (shared = toGeneration(g)))
      return shared
    }
    const byCase = new Map<string, Array<SitrepRequest>>()
    for (const r of yield* S.selectRequests(sql, id)) {
      const key = `${r.case_position}/${r.kind}`
      const list = byCase.get(key) ?? []
      // A request stored before the entry column existed (NULL) is given its sitrep's generation:
      // an upper bound of when it entered, so a delta activation executes it rather than skip it.
      const enteredAt = r.entered_at_generation === null ? generations[r.kind as KindName]! : entry(BigInt(r.entered_at_generation))
      list.push({ id: r.id as ResourceId, caseId: caseIds.get(r.case_position) ?? (r.case_id as Case["id"]), body: r.body, enteredAt })
      byCase.set(key, list)
    }
    const cases = caseRows.map((c): Case => ({
      id: c.id as Case["id"],
      comment: c.comment,
      closed: c.closed,
      requests: Object.fromEntries(c.request_kinds.map((kind) => [kind, byCase.get(`${c.position}/${kind}`) ?? []])),
      firstSitrepId: c.first_sitrep_id as SitrepId,
      closedSitrepId: c.closed_sitrep_id as SitrepId | null
    }))
    return Option.some<Sitrep>({
      id: row.id as SitrepId,
      parentId: row.parent_id as SitrepId | null,
      version: toVersion(version),
      creatorId: row.creator_id,
      timeCreated: toDate(row.time_created),
      comment: row.comment,
      generations,
      cases
    })
  })

const loadAt = (sql: Sql, head: S.HistoryRow | undefined) =>
  head === undefined ? Effect.succeed(Option.none<Sitrep>()) : loadSitrep(sql, head.sitrep_id, head.version)

/**
 * A publish whose outcome the client could not learn: CockroachDB's 40003 ("statement completion
 * unknown", an ambiguous commit), or a connection lost while the transaction ran or committed.
 * Re-running it blindly would read its own committed sitrep as `SitrepExists` (or its CAS as
 * `ParentNotCurrent`), so history decides: did this sitrep become current? If so it was
 * published, at the version history names; if not, nothing of it was committed, and it is run
 * once more (a second ambiguity is reported as the failure it is).
 */
const ambiguous = (e: unknown): e is SqlError.SqlError =>
  SqlError.isSqlError(e) && (sqlStateOf(e) === "40003" || e.reason._tag === "ConnectionError")

export const resolveAmbiguous = (sql: Sql, id: SitrepId) =>
<E, R>(attempt: Effect.Effect<PublishOutcome, E, R>) =>
  Effect.catchIf(attempt, ambiguous, () =>
    Effect.flatMap(withRetry(S.selectHistoryVersionOf(sql, id)), (rows) =>
      rows[0] === undefined
        ? attempt
        : Effect.succeed<PublishOutcome>({ _tag: "Published", version: toVersion(rows[0].version) })))

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
    const publish = (s: SitrepToPublish, dropped: ReadonlyArray<DroppedRequest>) =>
      Effect.gen(function*() {
        // A dropped id of a kind without tables cannot be recorded: refuse before writing anything.
        for (const d of dropped) yield* kinds.lookup(d.kind)
        const head = yield* loadHeader(sql)
        const current = Option.getOrUndefined(head)
        if (!parentIsCurrent(s.parentId, current)) return yield* new PublishConflict({ outcome: "ParentNotCurrent" })
        if ((yield* S.insertSitrep(sql, s)).length === 0) return yield* new PublishConflict({ outcome: "SitrepExists" })
        yield* S.insertGenerations(sql, s.id, s.generations)
        if (Object.keys(s.generations).length > 0) yield* K.raiseHighestGenerations(sql, s.generations)
        if (s.cases.length > 0) yield* S.insertCases(sql, s)
        const rows = S.requestRows(s)
        if (rows.length > 0) yield* S.insertRequests(sql, s.id, rows)
        const cas = yield* Effect.catchIf(
          S.casHistory(sql, s.id, s.parentId),
          (e) => decodeSentinel(e) === SENTINELS.parentNotCurrent,
          () => Effect.succeed([])
        )
        const version = cas[0]?.version
        if (version === undefined) return yield* new PublishConflict({ outcome: "ParentNotCurrent" })
        // After the CAS, never before: see `markDropped`.
        for (const k of kinds.all) {
          const byGeneration = new Map<Generation, Array<string>>()
          for (const d of dropped) {
            if (d.kind !== k.kind.name) continue
            const ids = byGeneration.get(d.droppedAtGeneration) ?? []
            ids.push(d.id)
            byGeneration.set(d.droppedAtGeneration, ids)
          }
          for (const [generation, ids] of byGeneration) yield* S.markDropped(sql, k, generation, ids)
        }
        return { _tag: "Published", version: toVersion(version) } as PublishOutcome
      }).pipe(
        tx.readWrite,
        resolveAmbiguous(sql, s.id),
        Effect.catchTag("PublishConflict", (r) =>
          r.outcome === "SitrepExists"
            ? Effect.succeed<PublishOutcome>({ _tag: "SitrepExists" })
            : Effect.map(loadHeader(sql), (current): PublishOutcome => ({ _tag: "ParentNotCurrent", current })))
      )

    const prunePage = (keep: number, pageSize: number) =>
      tx.readWrite(
        Effect.gen(function*() {
          const removed = (yield* S.pruneHistoryPage(sql, keep, pageSize)).map((r) => r.sitrep_id)
          if (removed.length > 0) {
            yield* S.deleteSitrepRows(sql, "sitrep_request", removed)
            yield* S.deleteSitrepRows(sql, "sitrep_case", removed)
            yield* S.deleteSitrepRows(sql, "sitrep_generation", removed)
            yield* S.deleteSitreps(sql, removed)
          }
          // Every stored sitrep entered history when it was published, and leaves storage in the
          // transaction that removes its history row: the two counts are the same.
          return {
            historyRemoved: removed.length,
            sitrepsRemoved: removed.length,
            pages: 1,
            done: removed.length < pageSize
          }
        })
      )

    return SitrepStore.of({
      publish: (_grant, s, dropped) => publish(s, dropped).pipe(storeError(`publishing sitrep ${s.id}`)),
      highestGenerations: withRetry(K.selectHighestGenerations(sql)).pipe(
        Effect.map((rows) => Object.fromEntries(rows.map((r) => [r.kind, toGeneration(r.highest_generation)]))),
        storeError("reading each kind's highest generation")
      ),
      currentHeader: withRetry(loadHeader(sql)).pipe(storeError("reading the current sitrep")),
      current: tx.snapshot(Effect.flatMap(S.selectCurrentVersion(sql), (rows) => loadAt(sql, rows[0]))).pipe(
        storeError("reading the current sitrep")
      ),
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
      prunePage: (_grant, keep, pageSize) => prunePage(keep, pageSize).pipe(storeError("pruning sitrep history")),
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
