import { alertKind, Authorization, decodeSitrepDocument, defaultKinds, makeRegistry, publishSitrep, type Sitrep, SitrepStore } from "@fm-rendezvous/domain"
import { Effect, Option, Result } from "effect"
import { resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { alertSitrep, freshIds, OPERATOR, publishAndLoad, sql } from "../support/data.ts"
import { copyLegacyVersion, createLegacyTable } from "../support/legacy.ts"
import { createDatabase, type Server, startServer } from "../support/server.ts"
import { ms, progress, type Summary, summarize } from "../support/stats.ts"
import { snapshotWire, wireSince } from "../support/wire.ts"

/** Issue 19: a child that adds 5 requests and drops 5 (Delta = 10). */
export const ADDED = 5
export const DROPPED = 5

/** One form of the publish of a child of Delta = 10, through the use case. */
export interface PublishSide {
  readonly statements: Summary
  readonly ms: Summary
  readonly rowsWritten: Summary
}

export interface PublishFigures {
  readonly requested: number
  /** Publishes of each form (full documents and delta documents alternate, so each pair ran seconds apart). */
  readonly publishes: number
  /** The child as a full document (SPEC 7.1): every carried request sent again, checked by digest against the parent's outline. */
  readonly full: PublishSide
  /** The same child as a delta document (SPEC 7.1a): 5 added, 5 dropped; the parent's requests never read. */
  readonly delta: PublishSide
  /** Today's storage before issue 19, emulated: the old copy-every-request INSERT of the child into a scratch per-version table. */
  readonly legacyCopy: { readonly ms: Summary; readonly rowsWritten: number }
  /** Decoding the full document alone (JSON.parse of its text): the least a full document can cost. */
  readonly decodeMs: Summary
  /** JSON.parse and the document's whole schema (decodeSitrepDocument): "decoding the document", the target's measure. A publish runs the request schema only on requests the parent does not carry (decodeAgainstParent). */
  readonly schemaDecodeMs: Summary
  /** An executor's move to the new version: `currentFrom(held)` against a full read (`current`, not run at R = 1,000,000). */
  readonly move: { readonly statements: Summary; readonly ms: Summary; readonly rowsRead: number }
  readonly fullRead: { readonly statements: Summary; readonly ms: Summary; readonly rowsRead: number }
  /** pg_total_relation_size of the request storage after `publishes` with every version kept, against one copy of R. */
  readonly storage: { readonly lineageBytes: number; readonly legacyBytes: number; readonly oneCopyBytes: number }
}

/** The ids the child drops: the first DROPPED requests of the parent, in its order. */
const droppedOf = (parent: Sitrep) => parent.cases.flatMap((c) => c.requests[alertKind.name] ?? []).slice(0, DROPPED).map((r) => r.id)

/** The child of `parent`: every case carried, the first DROPPED requests left out, one case of ADDED new ones. */
const childDocument = (parent: Sitrep) => {
  const fresh = alertSitrep(parent.id, freshIds(ADDED))
  const dropped = new Set<string>(droppedOf(parent))
  return {
    ...fresh,
    cases: [
      ...parent.cases.map((c) => ({
        id: c.id,
        comment: c.comment,
        closed: c.closed,
        alertRequests: (c.requests[alertKind.name] ?? []).filter((r) => !dropped.has(r.id)).map((r) => ({ id: r.id, ...r.body })),
        supportBundleRequests: []
      })),
      ...fresh.cases
    ]
  }
}

/** The same child as a planner that knows what it changed writes it (SPEC 7.1a): one new case, five dropped ids. */
const childDelta = (parent: Sitrep) => {
  const { cases, ...header } = alertSitrep(parent.id, freshIds(ADDED))
  return { ...header, parentId: parent.id, changes: { cases, dropped: { alertRequests: droppedOf(parent) } } }
}

const timed = async <A>(f: () => Promise<A>) => {
  const before = snapshotWire()
  const t0 = performance.now()
  const value = await f()
  return { value, ms: ms(t0), statements: wireSince(before).statements }
}

const requestCount = (s: Sitrep) => s.cases.reduce((n, c) => n + (c.requests[alertKind.name] ?? []).length, 0)

/**
 * Per R on a database of its own: the first sitrep, then `publishes` children of Delta = 10 of
 * each form, alternating: a full document, then a delta document, through the use case
 * (statements, wall time, rows written). After each, the old storage's copy of the new version
 * into a scratch table (`legacy_request`, the pre-issue-19 `sitrep_request` with its primary key:
 * one row per request per version) times today's storage side by side ("before"); an executor
 * holding the parent moves to it (`currentFrom`) and, for comparison, reads it whole (`current`).
 * At R = 1,000,000 (`bigFrom`) the whole read and the old copy run once only, to keep the run
 * within minutes. Storage is measured after the last publish.
 */
export const publishScenarios = async (
  server: Server,
  sizes: ReadonlyArray<number>,
  publishes: number,
  bigFrom = 1_000_000
): Promise<Array<PublishFigures>> => {
  const out: Array<PublishFigures> = []
  const registry = makeRegistry(defaultKinds)
  const decodeDocument = decodeSitrepDocument(registry)
  for (const requested of sizes) {
    const big = requested >= bigFrom
    const db = await createDatabase(server, `publish${requested}`)
    try {
      progress(`publish R=${requested}: the first sitrep`)
      let held = await publishAndLoad(db, alertSitrep(null, freshIds(requested)))
      await createLegacyTable(db)
      const copyOld = (s: Sitrep) => copyLegacyVersion(db, s)
      await copyOld(held)
      // The newest version the old storage holds a copy of (at R = 1,000,000 the first child's only).
      let lastCopied: string = held.id
      const side = () => ({ st: [] as Array<number>, ms: [] as Array<number>, rows: [] as Array<number> })
      const pub = { full: side(), delta: side() }
      const legacy: Array<number> = []
      const decode: Array<number> = []
      const schemaDecode: Array<number> = []
      const move = { st: [] as Array<number>, ms: [] as Array<number>, rows: 0 }
      const full = { st: [] as Array<number>, ms: [] as Array<number>, rows: 0 }
      for (let run = 0; run < 2 * publishes; run++) {
        const form = run % 2 === 0 ? "full" : "delta"
        const text = JSON.stringify(form === "full" ? childDocument(held) : childDelta(held))
        if (form === "full") {
          const t0 = performance.now()
          JSON.parse(text)
          decode.push(ms(t0))
          const t1 = performance.now()
          if (Result.isFailure(decodeDocument(JSON.parse(text)))) throw new Error("the bench's child document does not decode")
          schemaDecode.push(ms(t1))
        }
        progress(`publish R=${requested}: ${form} document ${Math.floor(run / 2) + 1} of ${publishes}`)
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
        pub[form].st.push(published.statements)
        pub[form].ms.push(published.ms)
        pub[form].rows.push(rows[0]!.n)
        const moved = await timed(() => db.run(Effect.flatMap(SitrepStore, (s) => s.currentFrom(held))))
        move.st.push(moved.statements)
        move.ms.push(moved.ms)
        move.rows = ADDED + DROPPED
        let next = Option.getOrThrow(moved.value)
        if (!big || run === 0) {
          const whole = await timed(() => db.run(Effect.flatMap(SitrepStore, (s) => s.current)))
          full.st.push(whole.statements)
          full.ms.push(whole.ms)
          next = Option.getOrThrow(whole.value)
          const shown = (x: unknown) => JSON.stringify(x, (_k, v) => typeof v === "bigint" ? String(v) : v)
          if (shown(Option.getOrThrow(moved.value)) !== shown(next)) throw new Error("a move read another sitrep than a full read")
          full.rows = requestCount(next)
          const t1 = performance.now()
          await copyOld(next)
          legacy.push(ms(t1))
          lastCopied = next.id
        }
        held = next
      }
      const size = (table: string) =>
        sql(db, (s) => s<{ n: string }>`SELECT pg_total_relation_size(${table})::text AS n`).then((r) => Number(r[0]!.n))
      await sql(db, (s) => s.unsafe("VACUUM ANALYZE lineage_request, legacy_request"))
      await sql(db, (s) => s`CREATE TABLE one_copy AS SELECT * FROM legacy_request WHERE sitrep_id = ${lastCopied}`)
      await sql(db, (s) => s.unsafe("ALTER TABLE one_copy ADD PRIMARY KEY (sitrep_id, kind, id)"))
      await sql(db, (s) => s.unsafe("VACUUM ANALYZE one_copy"))
      out.push({
        requested,
        publishes,
        full: { statements: summarize(pub.full.st), ms: summarize(pub.full.ms), rowsWritten: summarize(pub.full.rows) },
        delta: { statements: summarize(pub.delta.st), ms: summarize(pub.delta.ms), rowsWritten: summarize(pub.delta.rows) },
        legacyCopy: { ms: summarize(legacy), rowsWritten: requestCount(held) },
        decodeMs: summarize(decode),
        schemaDecodeMs: summarize(schemaDecode),
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

/**
 * Alone: `node --conditions=@fm-rendezvous/source bench/scenarios/publish.ts [R ...]` (default
 * 1,000 and 100,000; FM_BENCH_PUBLISHES publishes of each form, default 5), JSON on stdout.
 */
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const sizes = process.argv.slice(2).map(Number)
  const server = await startServer()
  try {
    const figures = await publishScenarios(server, sizes.length > 0 ? sizes : [1_000, 100_000], Number(process.env["FM_BENCH_PUBLISHES"] ?? 5))
    console.log(JSON.stringify(figures, null, 2))
  } finally {
    await server.stop()
  }
}
