import {
  alertKind,
  Authorization,
  type Case,
  type DroppedRequest,
  type Generation,
  pruneHistory,
  type ResourceId,
  type Sitrep,
  type SitrepId,
  SitrepStore,
  type SitrepToPublish
} from "@fm-rendezvous/domain"
import { randomUUID } from "node:crypto"
import { Effect, Option } from "effect"
import { alertSitrep, freshIds, OPERATOR, publishAndLoad, sql } from "../support/data.ts"
import { copyLegacyVersion, createLegacyTable } from "../support/legacy.ts"
import { createDatabase, type Server } from "../support/server.ts"
import { ms, progress } from "../support/stats.ts"

/** Issue 19: each publish adds 5 requests and drops 5 (Delta = 10). */
export const STORAGE_ADDED = 5
export const STORAGE_DROPPED = 5

export interface StorageConfig {
  readonly requested: number
  /** Publishes after the first sitrep; every version is kept until the prune. */
  readonly publishes: number
  /** Versions the prune keeps. */
  readonly keep: number
}

/** Bytes (pg_total_relation_size: heap, TOAST and every index) and rows of the tables counted. */
export interface Tables {
  /** `lineage_request`: every request once, carried or dropped. */
  readonly lineage: { readonly bytes: number; readonly indexBytes: number; readonly rows: number; readonly carried: number; readonly dropped: number }
  /** `sitrep_case`: the cases, one row per case per version (the only per-version table that grows with the document). */
  readonly cases: { readonly bytes: number; readonly rows: number }
}

export interface StorageFigures extends StorageConfig {
  readonly versions: number
  /** Wall time to build the data: the first sitrep, the publishes through the store, the emulated copies. */
  readonly buildSeconds: number
  /** One copy of R: the newest version's requests in lineage_request's layout, with its primary key (kind, id) only. */
  readonly oneCopy: { readonly bytes: number; readonly indexBytes: number; readonly rows: number }
  readonly beforePrune: Tables
  readonly afterPrune: Tables
  /**
   * The emulated pre-issue-19 `sitrep_request` (one row per request per version): its size with
   * every version kept, and the rows the old pruning would keep (those of the retained versions).
   */
  readonly legacy: { readonly bytes: number; readonly rows: number; readonly rowsAfterPrune: number }
  /** Rows the prune removed from lineage_request, and the rows the interval rule says no retained version carries (the same, checked). */
  readonly pruned: { readonly removed: number; readonly expected: number; readonly versionsRemoved: number }
}

/**
 * The child of `parent` as `planChild` plans a full document that carries every case, leaves out
 * the first STORAGE_DROPPED alert requests and adds one case of STORAGE_ADDED new ones: the alert
 * generation moves up by one (the added requests enter at it, the dropped ones are dropped at it),
 * every other kind keeps its generation. Handed to the store's own publish, so the rows written
 * are the store's; the use case's decoding and planning of a 100,000-request document (issue 19's
 * publish figures, bench section 10) is left out of the build.
 */
const childOf = (parent: Sitrep): { readonly sitrep: SitrepToPublish; readonly dropped: ReadonlyArray<DroppedRequest> } => {
  const id = randomUUID() as SitrepId
  const generation = (parent.generations[alertKind.name]! + 1n) as Generation
  const template = parent.cases.flatMap((c) => c.requests[alertKind.name] ?? [])[0]!.body
  const dropped: Array<DroppedRequest> = []
  const cases = parent.cases.map((c): Case => ({
    ...c,
    requests: {
      ...c.requests,
      [alertKind.name]: (c.requests[alertKind.name] ?? []).filter((r) => {
        if (dropped.length >= STORAGE_DROPPED) return true
        dropped.push({ kind: alertKind.name, id: r.id, droppedAtGeneration: generation })
        return false
      })
    }
  }))
  const caseId = randomUUID() as Case["id"]
  const added = freshIds(STORAGE_ADDED).map((rid, slot) => ({
    id: rid as ResourceId,
    caseId,
    body: { ...template, payload: { shelf: parent.cases.length, slot } },
    enteredAt: generation
  }))
  const kinds = Object.keys(parent.cases[0]!.requests)
  cases.push({
    id: caseId,
    comment: `bench case ${parent.cases.length}`,
    closed: false,
    requests: Object.fromEntries(kinds.map((k) => [k, k === alertKind.name ? added : []])),
    firstSitrepId: id,
    closedSitrepId: null
  })
  return {
    sitrep: {
      id,
      parentId: parent.id,
      creatorId: "bench-planner",
      timeCreated: new Date(),
      comment: "bench",
      generations: { ...parent.generations, [alertKind.name]: generation },
      cases
    },
    dropped
  }
}

const requestCount = (s: Sitrep) => s.cases.reduce((n, c) => n + (c.requests[alertKind.name] ?? []).length, 0)

const bytes = (db: Awaited<ReturnType<typeof createDatabase>>, table: string) =>
  sql(db, (s) => s<{ n: string }>`SELECT pg_total_relation_size(${table})::text AS n`).then((r) => Number(r[0]!.n))

/** pg_indexes_size: the part of `bytes` that is indexes. */
const indexBytes = (db: Awaited<ReturnType<typeof createDatabase>>, table: string) =>
  sql(db, (s) => s<{ n: string }>`SELECT pg_indexes_size(${table})::text AS n`).then((r) => Number(r[0]!.n))

const count = (db: Awaited<ReturnType<typeof createDatabase>>, query: string) =>
  sql(db, (s) => s.unsafe<{ n: number }>(`SELECT count(*)::int AS n FROM ${query}`)).then((r) => r[0]!.n)

const tables = async (db: Awaited<ReturnType<typeof createDatabase>>): Promise<Tables> => {
  await sql(db, (s) => s.unsafe("VACUUM ANALYZE lineage_request, sitrep_case"))
  return {
    lineage: {
      bytes: await bytes(db, "lineage_request"),
      indexBytes: await indexBytes(db, "lineage_request"),
      rows: await count(db, "lineage_request"),
      carried: await count(db, "lineage_request WHERE dropped_at_generation IS NULL"),
      dropped: await count(db, "lineage_request WHERE dropped_at_generation IS NOT NULL")
    },
    cases: { bytes: await bytes(db, "sitrep_case"), rows: await count(db, "sitrep_case") }
  }
}

/**
 * Issue 19's storage figure, on a database of its own: a first sitrep of R alert requests, then
 * `publishes` children of Delta = 10 (5 added, 5 dropped), each a full document published through
 * the use case and the store (so the rows are the store's own), every version kept. Beside it,
 * each version is also copied the old way into `legacy_request` (one row per request per version,
 * bench/support/legacy.ts). Measured: pg_total_relation_size of `lineage_request` and
 * `sitrep_case` (the tables holding requests and cases; the per-version header, generation and
 * history rows are a few rows per version and not counted) against one copy of R, a table of the
 * newest version's requests in lineage_request's layout with its primary key. Then the history is
 * pruned to `keep` versions: the rows no retained version carries (dropped at or below the oldest
 * retained generation) must be gone, every other row kept, and every retained version must still
 * read R requests. Of the emulated old storage, the rows the old pruning would keep are counted.
 */
export const storageScenario = async (server: Server, config: StorageConfig): Promise<StorageFigures> => {
  const { requested, publishes, keep } = config
  const db = await createDatabase(server, `storage${requested}`)
  try {
    const t0 = performance.now()
    progress(`storage R=${requested}: the first sitrep`)
    let held = await publishAndLoad(db, alertSitrep(null, freshIds(requested)))
    await createLegacyTable(db)
    await copyLegacyVersion(db, held)
    let legacyRows = requestCount(held)
    for (let run = 1; run <= publishes; run++) {
      const { dropped, sitrep } = childOf(held)
      const next = await db.run(Effect.gen(function*() {
        const grant = yield* (yield* Authorization).requireAdmin(OPERATOR, "publishing a bench sitrep")
        const store = yield* SitrepStore
        const outcome = yield* store.publish(grant, sitrep, dropped)
        if (outcome._tag !== "Published") throw new Error(`the bench publish was refused: ${outcome._tag}`)
        // An executor's move: only the rows entered or dropped since the held version are read.
        return Option.getOrThrow(yield* store.currentFrom(held))
      }))
      if (requestCount(next) !== requested) throw new Error(`version ${next.version} carries ${requestCount(next)} requests, not ${requested}`)
      await copyLegacyVersion(db, next)
      legacyRows += requestCount(next)
      held = next
      if (run % 10 === 0 || run === publishes) progress(`storage R=${requested}: ${run} of ${publishes} publishes`)
    }
    // The newest version read whole equals the one the moves built up.
    const whole = await db.run(Effect.flatMap(SitrepStore, (s) => s.current))
    const shown = (x: unknown) => JSON.stringify(x, (_k, v) => typeof v === "bigint" ? String(v) : v)
    if (shown(Option.getOrThrow(whole)) !== shown(held)) throw new Error("a full read of the newest version differs from the moves")
    const buildSeconds = ms(t0) / 1000
    const gen = held.generations[alertKind.name]!
    await sql(db, (s) =>
      s`CREATE TABLE one_copy AS SELECT * FROM lineage_request
        WHERE kind = ${alertKind.name} AND entered_at_generation <= ${gen} AND (dropped_at_generation IS NULL OR dropped_at_generation > ${gen})`)
    await sql(db, (s) => s.unsafe("ALTER TABLE one_copy ADD PRIMARY KEY (kind, id)"))
    await sql(db, (s) => s.unsafe("VACUUM ANALYZE one_copy"))
    const oneCopy = { bytes: await bytes(db, "one_copy"), indexBytes: await indexBytes(db, "one_copy"), rows: await count(db, "one_copy") }
    const beforePrune = await tables(db)
    // Insert-only: VACUUM only adds its visibility and free-space maps, as it did to the others.
    await sql(db, (s) => s.unsafe("VACUUM legacy_request"))
    const legacyBytes = await bytes(db, "legacy_request")

    // What the interval rule says the prune must remove: rows dropped at or below the generation
    // of the oldest version it keeps (no retained version carries them).
    const oldestKept = BigInt(Number(held.version) - keep + 1)
    const expected = (await sql(db, (s) =>
      s<{ n: number }>`SELECT count(*)::int AS n FROM lineage_request r
        WHERE r.dropped_at_generation <= (SELECT g.generation FROM sitrep_history h
          JOIN sitrep_generation g ON g.sitrep_id = h.sitrep_id AND g.kind = r.kind WHERE h.version = ${oldestKept})`))[0]!.n
    progress(`storage R=${requested}: pruning to the newest ${keep} versions`)
    const result = await db.run(Effect.gen(function*() {
      const grant = yield* (yield* Authorization).requireAdmin(OPERATOR, "pruning bench history")
      return yield* pruneHistory(grant, keep, 1000)
    }))
    const afterPrune = await tables(db)
    const removed = beforePrune.lineage.rows - afterPrune.lineage.rows
    if (removed !== expected) throw new Error(`pruning removed ${removed} request rows; ${expected} are carried by no retained version`)
    if (afterPrune.lineage.carried !== beforePrune.lineage.carried) throw new Error("pruning removed a carried request")
    // Every retained version still reads all its requests; the pruned ones are gone.
    for (let v = Number(oldestKept) - 1; v <= Number(held.version); v++) {
      const read = await db.run(Effect.flatMap(SitrepStore, (s) => s.byVersion(v as never)))
      if (v < Number(oldestKept) ? Option.isSome(read) : Option.isNone(read) || requestCount(read.value) !== requested) {
        throw new Error(`version ${v} after pruning: ${Option.isSome(read) ? `${requestCount(read.value)} requests` : "gone"}`)
      }
    }
    progress(`storage R=${requested}: done`)
    return {
      ...config,
      versions: publishes + 1,
      buildSeconds,
      oneCopy,
      beforePrune,
      afterPrune,
      legacy: {
        bytes: legacyBytes,
        rows: legacyRows,
        rowsAfterPrune: await count(db, "legacy_request WHERE sitrep_id IN (SELECT sitrep_id FROM sitrep_history)")
      },
      pruned: { removed, expected, versionsRemoved: result.historyRemoved }
    }
  } finally {
    await db.close()
  }
}
