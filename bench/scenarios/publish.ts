import { alertKind, Authorization, publishSitrep, type Sitrep, SitrepStore } from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"
import { alertSitrep, freshIds, OPERATOR, publishAndLoad, sql } from "../support/data.ts"
import { copyLegacyVersion, createLegacyTable } from "../support/legacy.ts"
import { createDatabase, type Server } from "../support/server.ts"
import { ms, progress, type Summary, summarize } from "../support/stats.ts"
import { snapshotWire, wireSince } from "../support/wire.ts"

/** Issue 19: a child that adds 5 requests and drops 5 (Delta = 10). */
export const ADDED = 5
export const DROPPED = 5

export interface PublishFigures {
  readonly requested: number
  readonly publishes: number
  /** The publish of a full document through the use case, this storage. */
  readonly publish: { readonly statements: Summary; readonly ms: Summary; readonly rowsWritten: Summary }
  /** Today's storage before issue 19, emulated: the old copy-every-request INSERT of the child into a scratch per-version table. */
  readonly legacyCopy: { readonly ms: Summary; readonly rowsWritten: number }
  /** Decoding the full document alone (JSON.parse of its text): the least a full document can cost. */
  readonly decodeMs: Summary
  /** An executor's move to the new version: `currentFrom(held)` against a full read (`current`). */
  readonly move: { readonly statements: Summary; readonly ms: Summary; readonly rowsRead: number }
  readonly fullRead: { readonly statements: Summary; readonly ms: Summary; readonly rowsRead: number }
  /** pg_total_relation_size of the request storage after `publishes` with every version kept, against one copy of R. */
  readonly storage: { readonly lineageBytes: number; readonly legacyBytes: number; readonly oneCopyBytes: number }
}

/** The child of `parent`: every case carried, the first DROPPED requests left out, one case of ADDED new ones. */
const childDocument = (parent: Sitrep) => {
  const fresh = alertSitrep(parent.id, freshIds(ADDED))
  let toDrop = DROPPED
  return {
    ...fresh,
    cases: [
      ...parent.cases.map((c) => {
        const requests = (c.requests[alertKind.name] ?? []).filter(() => toDrop-- <= 0)
        return {
          id: c.id,
          comment: c.comment,
          closed: c.closed,
          alertRequests: requests.map((r) => ({ id: r.id, ...r.body })),
          supportBundleRequests: []
        }
      }),
      ...fresh.cases
    ]
  }
}

const timed = async <A>(f: () => Promise<A>) => {
  const before = snapshotWire()
  const t0 = performance.now()
  const value = await f()
  return { value, ms: ms(t0), statements: wireSince(before).statements }
}

const requestCount = (s: Sitrep) => s.cases.reduce((n, c) => n + (c.requests[alertKind.name] ?? []).length, 0)

/**
 * Per R on a database of its own: the first sitrep, then `publishes` children of Delta = 10, each
 * published as a full document through the use case (statements, wall time, rows written), then
 * copied the old way into a scratch table (`legacy_request`, the pre-issue-19 `sitrep_request`
 * with its primary key: one row per request per version) to time today's storage side by side;
 * after each publish, an executor holding the parent moves to it (`currentFrom`) and, for
 * comparison, reads it whole (`current`). Storage is measured after the last publish.
 */
export const publishScenarios = async (server: Server, sizes: ReadonlyArray<number>, publishes: number): Promise<Array<PublishFigures>> => {
  const out: Array<PublishFigures> = []
  for (const requested of sizes) {
    const db = await createDatabase(server, `publish${requested}`)
    try {
      progress(`publish R=${requested}: the first sitrep`)
      let held = await publishAndLoad(db, alertSitrep(null, freshIds(requested)))
      await createLegacyTable(db)
      const copyOld = (s: Sitrep) => copyLegacyVersion(db, s)
      await copyOld(held)
      const pub = { st: [] as Array<number>, ms: [] as Array<number>, rows: [] as Array<number> }
      const legacy: Array<number> = []
      const decode: Array<number> = []
      const move = { st: [] as Array<number>, ms: [] as Array<number>, rows: 0 }
      const full = { st: [] as Array<number>, ms: [] as Array<number>, rows: 0 }
      for (let run = 0; run < publishes; run++) {
        const doc = childDocument(held)
        const text = JSON.stringify(doc)
        const t0 = performance.now()
        JSON.parse(text)
        decode.push(ms(t0))
        const published = await timed(() =>
          db.run(Effect.gen(function*() {
            const grant = yield* (yield* Authorization).requireAdmin(OPERATOR, "publishing a bench sitrep")
            return yield* publishSitrep(grant, JSON.parse(text))
          })))
        const g = published.value.generations[alertKind.name]!
        const rows = await sql(db, (s) =>
          s<{ n: number }>`SELECT ((SELECT count(*) FROM lineage_request WHERE kind = ${alertKind.name}
              AND (entered_at_generation = ${g} OR dropped_at_generation = ${g}))
            + (SELECT count(*) FROM sitrep_case WHERE sitrep_id = ${published.value.id})
            + (SELECT count(*) FROM sitrep_generation WHERE sitrep_id = ${published.value.id}) + 3)::int AS n`)
        pub.st.push(published.statements)
        pub.ms.push(published.ms)
        pub.rows.push(rows[0]!.n)
        const moved = await timed(() => db.run(Effect.flatMap(SitrepStore, (s) => s.currentFrom(held))))
        const whole = await timed(() => db.run(Effect.flatMap(SitrepStore, (s) => s.current)))
        move.st.push(moved.statements)
        move.ms.push(moved.ms)
        full.st.push(whole.statements)
        full.ms.push(whole.ms)
        const next = Option.getOrThrow(whole.value)
        const shown = (x: unknown) => JSON.stringify(x, (_k, v) => typeof v === "bigint" ? String(v) : v)
        if (shown(Option.getOrThrow(moved.value)) !== shown(next)) throw new Error("a move read another sitrep than a full read")
        move.rows = ADDED + DROPPED
        full.rows = requestCount(next)
        const t1 = performance.now()
        await copyOld(next)
        legacy.push(ms(t1))
        held = next
      }
      const size = (table: string) =>
        sql(db, (s) => s<{ n: string }>`SELECT pg_total_relation_size(${table})::text AS n`).then((r) => Number(r[0]!.n))
      await sql(db, (s) => s.unsafe("VACUUM ANALYZE lineage_request, legacy_request"))
      await sql(db, (s) => s`CREATE TABLE one_copy AS SELECT * FROM legacy_request WHERE sitrep_id = ${held.id}`)
      await sql(db, (s) => s.unsafe("ALTER TABLE one_copy ADD PRIMARY KEY (sitrep_id, kind, id)"))
      await sql(db, (s) => s.unsafe("VACUUM ANALYZE one_copy"))
      out.push({
        requested,
        publishes,
        publish: { statements: summarize(pub.st), ms: summarize(pub.ms), rowsWritten: summarize(pub.rows) },
        legacyCopy: { ms: summarize(legacy), rowsWritten: requestCount(held) },
        decodeMs: summarize(decode),
        move: { statements: summarize(move.st), ms: summarize(move.ms), rowsRead: move.rows },
        fullRead: { statements: summarize(full.st), ms: summarize(full.ms), rowsRead: full.rows },
        storage: { lineageBytes: await size("lineage_request"), legacyBytes: await size("legacy_request"), oneCopyBytes: await size("one_copy") }
      })
      progress(`publish R=${requested}: done`)
    } finally {
      await db.close()
    }
  }
  return out
}
