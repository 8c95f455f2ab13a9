import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import {
  ActivationMode,
  activate,
  type ActivationOptions,
  type ActivationReport,
  alertKind,
  generationOf,
  ResourceStore,
  type Sitrep
} from "@fm-rendezvous/domain"
import { alertSqlKind } from "@fm-rendezvous/adapters-sql"
import { columnValues } from "@fm-rendezvous/adapters-sql/kind"
import { textArray } from "@fm-rendezvous/adapters-sql/params"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { addLiveRows, alertSitrep, freshIds, publishAndLoad, sql } from "../support/data.ts"
import { type BenchDatabase, createDatabase, type Server } from "../support/server.ts"
import { ms, progress, type Summary, summarize } from "../support/stats.ts"
import { snapshotWire, wireSince } from "../support/wire.ts"

/** The executor's settings: the app's defaults (FM_BATCH_SIZE 500, FM_SWEEP_PAGE_SIZE 1000). */
export const BATCH_SIZE = 500
export const PAGE_SIZE = 1000

export interface SteadyFigures {
  readonly requested: number
  readonly statements: Summary
  readonly ms: Summary
}

export interface Timed {
  readonly statements: Summary
  readonly ms: Summary
  readonly rowsPerSecond: Summary
}

export interface NewGenerationFigures {
  readonly requested: number
  /** The whole activation use case: both kinds, progress, sweep, report. */
  readonly activation: Timed
  /** Only the guarded batches of the activation (ResourceStore.createGuarded, same batches). */
  readonly guarded: Timed
  /** The plain INSERT ... ON CONFLICT DO NOTHING of the same rows in the same batches. */
  readonly limit: Timed
  /** The same, writing each row's marker too (one statement per batch), still without the guard. */
  readonly limitWithMarkers: Timed
  /** guarded-batches time / plain-insert time, paired within each repetition. */
  readonly ratio: Summary
  /** activation time / plain-insert time, paired within each repetition. */
  readonly activationRatio: Summary
  /** guarded-batches time / plain insert of rows and markers, paired within each repetition. */
  readonly ratioWithMarkers: Summary
  /** plain insert of rows and markers / plain insert of rows, paired within each repetition. */
  readonly markersOverLimit: Summary
}

export interface MemoryFigures {
  readonly requested: number
  /** Peak resident set of the child process, MiB (process.resourceUsage().maxRSS). */
  readonly peakRssMiB: Summary
  /** Resident set once the modules are loaded, before connecting, MiB. */
  readonly rssAtStartMiB: Summary
  /** Resident set after start-up and loading the held sitrep, before the activation, MiB. */
  readonly rssBeforeActivationMiB: Summary
  /** Live heap the held sitrep retains (after a full GC), per request, bytes. */
  readonly heldBytesPerRequest: Summary
  readonly activationMs: Summary
}

export const options = (held: Sitrep): ActivationOptions => ({
  executor: "bench-executor",
  held,
  batchSize: BATCH_SIZE,
  pageSize: PAGE_SIZE,
  mode: ActivationMode.Routine()
})

/**
 * Forget everything an activation of `held` wrote, so the next one creates every request again;
 * the background rows stay. VACUUM ANALYZE as autovacuum would (the machine's server runs without
 * it): with the statistics of an emptied table the planner would read the growing marker and
 * resource tables with sequential scans, and each batch would cost more than the one before.
 */
export const reset = (db: BenchDatabase, held: Sitrep) =>
  sql(db, (s) =>
    Effect.gen(function*() {
      const ids = textArray(held.cases.flatMap((c) => (c.requests[alertKind.name] ?? []).map((r) => r.id)))
      yield* s`DELETE FROM alert WHERE id = ANY(${ids}::uuid[])`
      yield* s`DELETE FROM alert_marker WHERE resource_id = ANY(${ids}::uuid[])`
      yield* s`TRUNCATE execution_progress, activation_report`
      yield* s.unsafe("VACUUM ANALYZE alert, alert_marker")
    }))

const paired = (xs: ReadonlyArray<number>, ys: ReadonlyArray<number>) => summarize(xs.map((x, i) => x / ys[i]!))

const measured = async <A>(f: () => Promise<A>) => {
  const before = snapshotWire()
  const t0 = performance.now()
  const value = await f()
  return { value, ms: ms(t0), statements: wireSince(before).statements }
}

/**
 * The physical limit of SPEC 3.4's comparison for creation: the same rows, in the same batches, by
 * a plain INSERT ... ON CONFLICT DO NOTHING into the same resource table. No guard, no marker.
 */
const plainInsert = (held: Sitrep, withMarkers: boolean) =>
  Effect.gen(function*() {
    const s = yield* SqlClient.SqlClient
    const requests = held.cases.flatMap((c) => c.requests[alertKind.name] ?? [])
    const generation = generationOf(held, alertKind.name)!
    const now = new Date()
    for (let i = 0; i < requests.length; i += BATCH_SIZE) {
      const batch = requests.slice(i, i + BATCH_SIZE)
      const [cls, payload] = columnValues(alertSqlKind, batch)
      const markers = withMarkers
        ? s`marked AS (
            INSERT INTO alert_marker (resource_id, created_at_generation, time_created)
            SELECT r.id, ${generation}, ${now} FROM req r
            ON CONFLICT (resource_id) DO NOTHING
          ),`
        : s``
      yield* s`WITH req AS (
          SELECT * FROM unnest(${textArray(batch.map((r) => r.id))}::uuid[], ${textArray(batch.map((r) => r.caseId))}::uuid[],
                               ${textArray(cls!)}::text[], ${textArray(payload!)}::text[]) AS r(id, case_id, class, payload)
        ),
        ${markers}
        rows AS (
          INSERT INTO alert (id, case_id, time_created, class, payload)
          SELECT r.id, r.case_id, ${now}, r.class, CAST(r.payload AS JSONB) FROM req r
          ON CONFLICT (id) DO NOTHING
          RETURNING id
        )
        SELECT count(*) AS n FROM rows`
    }
  })

/** The activation's creation step alone: the same guarded batches through the port. */
const guardedBatches = (held: Sitrep) =>
  Effect.gen(function*() {
    const resources = yield* ResourceStore
    const requests = held.cases.flatMap((c) => c.requests[alertKind.name] ?? [])
    const generation = generationOf(held, alertKind.name)!
    let created = 0
    for (let i = 0; i < requests.length; i += BATCH_SIZE) {
      const result = yield* resources.createGuarded(alertKind.name, generation, requests.slice(i, i + BATCH_SIZE))
      if (result._tag === "StaleSitrep") throw new Error("stale sitrep in the bench")
      created += result.outcomes.filter((o) => o.outcome === "Created").length
    }
    return created
  })

const check = (report: ActivationReport, what: string, ok: (k: ActivationReport["kinds"][string]) => boolean) => {
  const k = report.kinds[alertKind.name]!
  if (!ok(k)) throw new Error(`${what}: unexpected activation report ${JSON.stringify(k)}`)
}

const childPath = fileURLToPath(new URL("../activation-child.ts", import.meta.url))

const runChild = (url: string) =>
  new Promise<{ peakRssKiB: number; rssAtStartKiB: number; rssBeforeKiB: number; heldBytes: number; activationMs: number; created: number }>((done, fail) => {
    const child = spawn(process.execPath, ["--expose-gc", childPath, url], { stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    child.stdout.on("data", (d) => (out += d))
    child.on("error", fail)
    child.on("exit", (code) => (code === 0 ? done(JSON.parse(out)) : fail(new Error(`activation child exited with ${code}`))))
  })

export interface ActivationResults {
  /** Live resources with markers already in the tables (not requested by the held sitrep). */
  readonly background: number
  readonly steady: Array<SteadyFigures>
  readonly newGeneration: Array<NewGenerationFigures>
  readonly memory: MemoryFigures | null
  /** What the steady-state statements are (one activation at the smallest R), for the docs. */
  readonly steadyStatements: number
}

/**
 * Scenarios 1, 2 and 5, per R on a database of its own: publish a sitrep of R alert requests and
 * hold it as an executor does; time fresh activations (every request created) against the plain
 * insert; then re-activate the fully executed and swept sitrep (steady state); at the largest R,
 * measure a fresh activation's peak RSS in a child process.
 */
export const activationScenarios = async (
  server: Server,
  sizes: ReadonlyArray<{ readonly requested: number; readonly newGenRuns: number; readonly memoryRuns: number }>,
  steadyRuns: number,
  background: number
): Promise<ActivationResults> => {
  const steady: Array<SteadyFigures> = []
  const newGeneration: Array<NewGenerationFigures> = []
  let memory: MemoryFigures | null = null
  for (const { requested, newGenRuns, memoryRuns } of sizes) {
    const db = await createDatabase(server, `act${requested}`)
    try {
      progress(`activation R=${requested}: publishing the sitrep`)
      const held = await publishAndLoad(db, alertSitrep(null, freshIds(requested)))
      // A running system's tables are not empty: both sides write into tables that already hold
      // live resources with their markers.
      await addLiveRows(db, background, 1n)
      const a: { ms: Array<number>; st: Array<number> } = { ms: [], st: [] }
      const g: { ms: Array<number>; st: Array<number> } = { ms: [], st: [] }
      const l: { ms: Array<number>; st: Array<number> } = { ms: [], st: [] }
      const lm: { ms: Array<number>; st: Array<number> } = { ms: [], st: [] }
      for (let run = 0; run < newGenRuns; run++) {
        // The limit first, the guarded activation last: the steady state below needs its rows.
        await reset(db, held)
        const limit = await measured(() => db.run(plainInsert(held, false)))
        l.ms.push(limit.ms)
        l.st.push(limit.statements)
        await reset(db, held)
        const limitMarked = await measured(() => db.run(plainInsert(held, true)))
        lm.ms.push(limitMarked.ms)
        lm.st.push(limitMarked.statements)
        await reset(db, held)
        const batches = await measured(() => db.run(guardedBatches(held)))
        if (batches.value !== requested) throw new Error(`guarded batches created ${batches.value} of ${requested}`)
        g.ms.push(batches.ms)
        g.st.push(batches.statements)
        await reset(db, held)
        const fresh = await measured(() => db.run(activate(options(held))))
        check(fresh.value, "new generation", (k) => k.created === requested && !k.skipped && k.errorCount === 0)
        a.ms.push(fresh.ms)
        a.st.push(fresh.statements)
        progress(`activation R=${requested} run ${run + 1}/${newGenRuns}: activation ${fresh.ms.toFixed(0)} ms (${fresh.statements} statements), guarded batches ${batches.ms.toFixed(0)} ms, plain insert ${limit.ms.toFixed(0)} ms, with markers ${limitMarked.ms.toFixed(0)} ms`)
      }
      const rate = (xs: Array<number>) => xs.map((t) => requested / (t / 1000))
      newGeneration.push({
        requested,
        activation: { statements: summarize(a.st), ms: summarize(a.ms), rowsPerSecond: summarize(rate(a.ms)) },
        guarded: { statements: summarize(g.st), ms: summarize(g.ms), rowsPerSecond: summarize(rate(g.ms)) },
        limit: { statements: summarize(l.st), ms: summarize(l.ms), rowsPerSecond: summarize(rate(l.ms)) },
        limitWithMarkers: { statements: summarize(lm.st), ms: summarize(lm.ms), rowsPerSecond: summarize(rate(lm.ms)) },
        ratioWithMarkers: paired(g.ms, lm.ms),
        markersOverLimit: paired(lm.ms, l.ms),
        ratio: paired(g.ms, l.ms),
        activationRatio: paired(a.ms, l.ms)
      })

      const s: { ms: Array<number>; st: Array<number> } = { ms: [], st: [] }
      for (let run = 0; run < steadyRuns + 1; run++) {
        const again = await measured(() => db.run(activate(options(held))))
        check(again.value, "steady state", (k) => k.skipped && k.sweepSkipped && k.created === 0)
        if (run === 0) continue // the first re-activation warms the pool's prepared statements
        s.ms.push(again.ms)
        s.st.push(again.statements)
      }
      steady.push({ requested, statements: summarize(s.st), ms: summarize(s.ms) })
      progress(`activation R=${requested}: steady state ${summarize(s.ms).median.toFixed(1)} ms, ${summarize(s.st).median} statements`)

      if (memoryRuns > 0) {
        const peak: Array<number> = []
        const before: Array<number> = []
        const atStart: Array<number> = []
        const took: Array<number> = []
        const retained: Array<number> = []
        for (let run = 0; run < memoryRuns; run++) {
          await reset(db, held)
          const r = await runChild(db.url)
          if (r.created !== requested) throw new Error(`memory child created ${r.created} of ${requested}`)
          peak.push(r.peakRssKiB / 1024)
          before.push(r.rssBeforeKiB / 1024)
          atStart.push(r.rssAtStartKiB / 1024)
          took.push(r.activationMs)
          retained.push(r.heldBytes / requested)
          progress(`activation R=${requested} memory run ${run + 1}/${memoryRuns}: peak RSS ${(r.peakRssKiB / 1024).toFixed(0)} MiB`)
        }
        memory = {
          requested,
          peakRssMiB: summarize(peak),
          rssAtStartMiB: summarize(atStart),
          rssBeforeActivationMiB: summarize(before),
          heldBytesPerRequest: summarize(retained),
          activationMs: summarize(took)
        }
      }
    } finally {
      await db.close()
    }
  }
  return { background, steady, newGeneration, memory, steadyStatements: steady[0]?.statements.median ?? 0 }
}
