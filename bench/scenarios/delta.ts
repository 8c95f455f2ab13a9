import {
  activate,
  ActivationMode,
  type ActivationReport,
  alertKind,
  Authorization,
  explain,
  publishSitrep,
  type ResourceId,
  requestsOf,
  type Sitrep,
  SitrepStore
} from "@fm-rendezvous/domain"
import { textArray } from "@fm-rendezvous/adapters-sql/params"
import { Effect, Option } from "effect"
import { addLiveRows, alertSitrep, freshIds, OPERATOR, publishAndLoad, sql } from "../support/data.ts"
import { type BenchDatabase, createDatabase, type Server } from "../support/server.ts"
import { ms, percentile, progress, type Summary, summarize } from "../support/stats.ts"
import { snapshotWire, wireSince } from "../support/wire.ts"
import { BATCH_SIZE, PAGE_SIZE } from "./activation.ts"

/** Requests a new generation adds (issue 13's Delta). */
export const DELTA = 10

export interface Measured {
  readonly statements: Summary
  readonly ms: Summary
}

export interface DeltaFigures {
  readonly requested: number
  /** A new generation that added DELTA requests: the routine activation, with progress at the previous generation. */
  readonly delta: Measured
  /** The same activation without progress: every request executed again (the behaviour before issue 13). */
  readonly full: Measured
  /** The same sitrep fully executed and swept: the activation skips everything. */
  readonly steady: Measured
  /** delta time / steady time, paired within each run. */
  readonly deltaOverSteady: Summary
  /** Publishing the child that adds DELTA requests: statements, time, rows written. */
  readonly publish: Measured & { readonly rowsWritten: number }
  /** `explain` of a requested id with this current sitrep. */
  readonly explain: { readonly p50: number; readonly p99: number; readonly statements: number; readonly calls: number }
}

/** The child document of `parent`: every case carried unchanged, plus one case of new alerts. */
const childDocument = (parent: Sitrep, added: ReadonlyArray<string>) => {
  const fresh = alertSitrep(parent.id, added)
  return {
    ...fresh,
    cases: [
      ...parent.cases.map((c) => ({
        id: c.id,
        comment: c.comment,
        closed: c.closed,
        alertRequests: (c.requests[alertKind.name] ?? []).map((r) => ({ id: r.id, ...r.body })),
        supportBundleRequests: []
      })),
      ...fresh.cases
    ]
  }
}

const measure = async <A>(f: () => Promise<A>) => {
  const before = snapshotWire()
  const t0 = performance.now()
  const value = await f()
  return { value, ms: ms(t0), statements: wireSince(before).statements }
}

const alertOf = (r: ActivationReport) => r.kinds[alertKind.name]!

const expect = (r: ActivationReport, what: string, ok: (k: ActivationReport["kinds"][string]) => boolean) => {
  if (!ok(alertOf(r))) throw new Error(`${what}: unexpected activation report ${JSON.stringify(alertOf(r), (_k, v) => typeof v === "bigint" ? String(v) : v)}`)
}

const routine = (held: Sitrep) =>
  activate({ executor: "bench-executor", held, batchSize: BATCH_SIZE, pageSize: PAGE_SIZE, mode: ActivationMode.Routine() })

/**
 * Undo the newest generation's creations (its DELTA requests), and set progress as the run needs:
 * at the previous generation (a delta activation follows) or none (every request is executed).
 */
const undoNewest = (db: BenchDatabase, added: ReadonlyArray<string>, generation: bigint, progressAt: bigint | null) =>
  sql(db, (s) =>
    Effect.gen(function*() {
      const ids = textArray(added)
      yield* s`DELETE FROM alert WHERE id = ANY(${ids}::uuid[])`
      yield* s`DELETE FROM alert_marker WHERE resource_id = ANY(${ids}::uuid[])`
      yield* s`TRUNCATE activation_report`
      if (progressAt === null) yield* s`TRUNCATE execution_progress`
      else {
        yield* s`UPDATE execution_progress SET executed_generation = ${progressAt}, swept_generation = ${progressAt}
          WHERE kind = ${alertKind.name} AND executed_generation = ${generation}`
      }
    }))

/**
 * Issue 13, per R on a database of its own: R alert requests published and executed, then
 * `publishes` children that each add DELTA requests (publish cost, each followed by its routine
 * activation), then at the newest generation, paired runs of the delta activation, the full
 * re-execution and the steady state; and explain latency with that current sitrep.
 */
export const deltaScenarios = async (
  server: Server,
  sizes: ReadonlyArray<number>,
  runs: number,
  background: number,
  explainCalls: number
): Promise<Array<DeltaFigures>> => {
  const out: Array<DeltaFigures> = []
  for (const requested of sizes) {
    const db = await createDatabase(server, `delta${requested}`)
    try {
      progress(`delta R=${requested}: publishing and executing the first sitrep`)
      let held = await publishAndLoad(db, alertSitrep(null, freshIds(requested)))
      await addLiveRows(db, background, 1n)
      expect(await db.run(routine(held)), "first activation", (k) => k.created === requested)

      const pub: { ms: Array<number>; st: Array<number>; rows: Array<number> } = { ms: [], st: [], rows: [] }
      let added: Array<string> = []
      for (let run = 0; run < runs; run++) {
        added = freshIds(DELTA)
        const doc = childDocument(held, added)
        const published = await measure(() =>
          db.run(Effect.gen(function*() {
            const grant = yield* (yield* Authorization).requireAdmin(OPERATOR, "publishing a bench sitrep")
            return yield* publishSitrep(grant, doc)
          })))
        held = Option.getOrThrow(await db.run(Effect.flatMap(SitrepStore, (s) => s.current)))
        // Rows written: the sitrep, its generations, cases, the requests it added or dropped
        // (stored once per lineage), the history row, the pointer.
        const g = held.generations[alertKind.name]!
        const rows = await sql(db, (s) =>
          s<{ n: number }>`SELECT (SELECT count(*) FROM lineage_request WHERE kind = ${alertKind.name}
              AND (entered_at_generation = ${g} OR dropped_at_generation = ${g}))
            + (SELECT count(*) FROM sitrep_case WHERE sitrep_id = ${held.id})
            + (SELECT count(*) FROM sitrep_generation WHERE sitrep_id = ${held.id}) + 3 AS n`)
        pub.ms.push(published.ms)
        pub.st.push(published.statements)
        pub.rows.push(Number(rows[0]!.n))
        expect(await db.run(routine(held)), "delta activation after publish", (k) => k.created === DELTA)
      }
      await sql(db, (s) => s.unsafe("VACUUM ANALYZE alert, alert_marker, lineage_request, execution_progress"))

      const generation = held.generations[alertKind.name]!
      const total = requestsOf(held, alertKind.name).length
      const d: { ms: Array<number>; st: Array<number> } = { ms: [], st: [] }
      const f: { ms: Array<number>; st: Array<number> } = { ms: [], st: [] }
      const s: { ms: Array<number>; st: Array<number> } = { ms: [], st: [] }
      for (let run = 0; run < runs + 1; run++) {
        await undoNewest(db, added, generation, generation - 1n)
        const delta = await measure(() => db.run(routine(held)))
        expect(delta.value, "delta", (k) => k.created === DELTA && k.alreadyExisted === 0)
        const steady = await measure(() => db.run(routine(held)))
        expect(steady.value, "steady", (k) => k.skipped && k.sweepSkipped)
        await undoNewest(db, added, generation, null)
        const full = await measure(() => db.run(routine(held)))
        expect(full.value, "full", (k) => k.created === DELTA && k.alreadyExisted === total - DELTA)
        if (run === 0) continue // warms the pool's prepared statements
        d.ms.push(delta.ms)
        d.st.push(delta.statements)
        f.ms.push(full.ms)
        f.st.push(full.statements)
        s.ms.push(steady.ms)
        s.st.push(steady.statements)
        progress(`delta R=${requested} run ${run}/${runs}: delta ${delta.ms.toFixed(1)} ms (${delta.statements} statements), full ${full.ms.toFixed(0)} ms (${full.statements}), steady ${steady.ms.toFixed(1)} ms`)
      }

      const ids = requestsOf(held, alertKind.name).map((r) => r.id as ResourceId)
      const took: Array<number> = []
      let explainStatements = 0
      for (let call = 0; call < explainCalls + 10; call++) {
        const id = ids[Math.floor(Math.random() * ids.length)]!
        const e = await measure(() => db.run(explain(id)))
        if (!e.value.requestedByCurrentSitrep) throw new Error(`explain ${id}: not requested?`)
        if (call < 10) continue
        took.push(e.ms)
        explainStatements = Math.max(explainStatements, e.statements)
      }
      out.push({
        requested,
        delta: { statements: summarize(d.st), ms: summarize(d.ms) },
        full: { statements: summarize(f.st), ms: summarize(f.ms) },
        steady: { statements: summarize(s.st), ms: summarize(s.ms) },
        deltaOverSteady: summarize(d.ms.map((x, i) => x / s.ms[i]!)),
        publish: { statements: summarize(pub.st), ms: summarize(pub.ms), rowsWritten: Math.max(...pub.rows) },
        explain: { p50: percentile(took, 50), p99: percentile(took, 99), statements: explainStatements, calls: took.length }
      })
      progress(`delta R=${requested}: explain p50 ${percentile(took, 50).toFixed(2)} ms, p99 ${percentile(took, 99).toFixed(2)} ms`)
    } finally {
      await db.close()
    }
  }
  return out
}

