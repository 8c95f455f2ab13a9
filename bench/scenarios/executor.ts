import { spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { fileURLToPath } from "node:url"
import { ActivationMode, type ActivationReport, alertKind, Authorization, publishSitrep } from "@fm-rendezvous/domain"
import { activateUninterruptibly } from "@fm-rendezvous/app/daemon/activation"
import { makeSitrepLoader } from "@fm-rendezvous/app/daemon/loader"
import { Effect, Option } from "effect"
import { SqlClient } from "effect/sql"
import { alertSitrep, freshIds, OPERATOR, sql } from "../support/data.ts"
import { createDatabase, openDatabase, type Server, startServer } from "../support/server.ts"
import { ms, progress, type Summary, summarize } from "../support/stats.ts"
import { snapshotWire, wireSince } from "../support/wire.ts"
import { BATCH_SIZE, PAGE_SIZE } from "./activation.ts"

/**
 * Section 12 (issue 19, the executor's side): an executor that moves by the delta.
 *
 * - **Memory.** A child process (`bench/executor-child.ts`) loads the current sitrep of R
 *   requests through the daemon's loader and runs the first activation (creating all of them):
 *   its peak RSS, and the live heap the held sitrep retains, per request.
 * - **The first activation after a publish.** An executor (one connection, so every statement
 *   of this database runs in one backend) holds version v, fully executed and swept; a delta
 *   document (SPEC 7.1a) adds ADDED requests and drops DROPPED (Delta = 10); then what the daemon's
 *   tick does (the loader's refresh, then the routine activation) is measured against the same
 *   tick in the steady state right after: statements at the wire, rows read from
 *   `pg_stat_database` (`tup_returned`, `tup_fetched`; PostgreSQL 15 flushes them lazily, so the
 *   backend flushes with `pg_stat_force_next_flush()` before each reading, and the reading's own
 *   rows, measured on an empty interval, are subtracted), and wall time, paired per repetition.
 */
export const ADDED = 5
export const DROPPED = 5

export interface TickFigures {
  readonly ms: Summary
  readonly statements: Summary
  readonly tupReturned: Summary
  readonly tupFetched: Summary
  /** Of the last repetition: rows returned per relation scanned (pg_stat_user_tables / _indexes). */
  readonly relations: Readonly<Record<string, number>>
}

export interface ExecutorFigures {
  readonly requested: number
  readonly memory: {
    readonly peakRssMiB: Summary
    readonly rssAtStartMiB: Summary
    readonly rssAfterLoadMiB: Summary
    /** Live heap the held sitrep retains after loading, bytes per request. */
    readonly heldBytesPerRequest: Summary
    /** The same after the first activation (what a running daemon keeps). */
    readonly heldAfterBytesPerRequest: Summary
    readonly loadMs: Summary
    readonly activationMs: Summary
  }
  /** The daemon's tick right after a publish of Delta = ADDED + DROPPED: the move and the activation. */
  readonly firstAfterPublish: TickFigures
  /** The same tick again: nothing moved, nothing to do. */
  readonly steady: TickFigures
  /** first / steady wall time, paired per repetition. */
  readonly firstOverSteady: Summary
  /** pg_stat_database rows counted by the reading alone (subtracted above). */
  readonly readingOverhead: { readonly tupReturned: number; readonly tupFetched: number }
}

interface ChildResult {
  readonly peakRssKiB: number
  readonly rssAtStartKiB: number
  readonly rssAfterLoadKiB: number
  readonly heldBytes: number
  readonly heldAfterBytes: number
  readonly loadMs: number
  readonly activationMs: number
  readonly created: number
}

const childPath = fileURLToPath(new URL("../executor-child.ts", import.meta.url))

const runChild = (url: string) =>
  new Promise<ChildResult>((done, fail) => {
    const child = spawn(process.execPath, ["--expose-gc", "--conditions=@fm-rendezvous/source", childPath, url], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    let out = ""
    child.stdout.on("data", (d) => (out += d))
    child.on("error", fail)
    child.on("exit", (code) => (code === 0 ? done(JSON.parse(out)) : fail(new Error(`executor child exited with ${code}`))))
  })

const alertOf = (r: ActivationReport) => r.kinds[alertKind.name]!

const check = (r: ActivationReport, what: string, ok: (k: ActivationReport["kinds"][string]) => boolean) => {
  if (!ok(alertOf(r))) {
    throw new Error(`${what}: unexpected activation report ${JSON.stringify(alertOf(r), (_k, v) => typeof v === "bigint" ? String(v) : v)}`)
  }
}

/** The database's read counters, after this backend flushed what it had pending. */
const readCounters = Effect.gen(function*() {
  const s = yield* SqlClient.SqlClient
  yield* s`SELECT pg_stat_force_next_flush()`
  const rows = yield* s<{ tup_returned: string; tup_fetched: string }>`
    SELECT tup_returned::text, tup_fetched::text FROM pg_stat_database WHERE datname = current_database()`
  const relations = yield* s<{ name: string; n: string }>`
    SELECT 'seq ' || relname AS name, seq_tup_read::text AS n FROM pg_stat_user_tables
    UNION ALL SELECT 'index ' || indexrelname, idx_tup_read::text FROM pg_stat_user_indexes`
  return {
    returned: Number(rows[0]!.tup_returned),
    fetched: Number(rows[0]!.tup_fetched),
    relations: new Map(relations.map((r) => [r.name, Number(r.n)]))
  }
})

/** The relations whose scans returned rows between two readings, and how many. */
const relationsRead = (before: Map<string, number>, after: Map<string, number>) =>
  Object.fromEntries([...after].map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const).filter(([, d]) => d > 0))

export const executorScenario = async (
  server: Server,
  config: { readonly requested: number; readonly memoryRuns: number; readonly runs: number }
): Promise<ExecutorFigures> => {
  const { requested } = config
  const db = await createDatabase(server, `executor${requested}`)
  try {
    progress(`executor R=${requested}: publishing the first sitrep`)
    const first = alertSitrep(null, freshIds(requested))
    const publish = (doc: unknown) =>
      Effect.gen(function*() {
        const grant = yield* (yield* Authorization).requireAdmin(OPERATOR, "publishing a bench sitrep")
        yield* publishSitrep(grant, doc)
      })
    await db.run(publish(first))
    await sql(db, (s) => s.unsafe("VACUUM ANALYZE lineage_request, sitrep_case"))

    const children: Array<ChildResult> = []
    for (let run = 0; run < config.memoryRuns; run++) {
      await sql(db, (s) => s.unsafe("TRUNCATE alert, alert_marker, execution_progress, activation_report"))
      const r = await runChild(db.url)
      if (r.created !== requested) throw new Error(`executor child created ${r.created} of ${requested}`)
      children.push(r)
      progress(`executor R=${requested} memory run ${run + 1}/${config.memoryRuns}: peak RSS ${(r.peakRssKiB / 1024).toFixed(0)} MiB, held ${(r.heldBytes / requested).toFixed(0)} B/request`)
    }

    // The executor under measurement: one connection, so its backend is the database's only one.
    const exec = openDatabase(db.url, 1)
    try {
      const loader = await exec.run(makeSitrepLoader())
      const tick = Effect.gen(function*() {
        const loaded = yield* loader.refresh
        const held = Option.getOrThrow(yield* loader.held)
        const report = yield* activateUninterruptibly("bench-executor", held, { batchSize: BATCH_SIZE, sweepPageSize: PAGE_SIZE }, ActivationMode.Routine())
        return { loaded, report }
      })
      const settle = await exec.run(tick)
      check(settle.report, "settling activation", (k) => k.errorCount === 0)
      check((await exec.run(tick)).report, "second settling activation", (k) => k.skipped && k.sweepSkipped)
      // Where autovacuum would have (it is off on the bench's server): the markers just written.
      await sql(db, (s) => s.unsafe("VACUUM ANALYZE alert, alert_marker, lineage_request"))
      // Let every other backend of this database (the setup's idle pool) flush its pending
      // counters: an idle backend flushes them within 10 s (PGSTAT_IDLE_INTERVAL).
      await new Promise((r) => setTimeout(r, 11_000))

      const measureTick = async () => {
        const before = await exec.run(readCounters)
        const wireBefore = snapshotWire()
        const t0 = performance.now()
        const r = await exec.run(tick)
        const wall = ms(t0)
        const statements = wireSince(wireBefore).statements
        const after = await exec.run(readCounters)
        return {
          ...r,
          wall,
          statements,
          returned: after.returned - before.returned,
          fetched: after.fetched - before.fetched,
          relations: relationsRead(before.relations, after.relations)
        }
      }
      // The reading's own rows: two readings with nothing in between, once the backend's
      // catalog caches are warm (its first readings look the catalogs up).
      for (let warm = 0; warm < 3; warm++) await exec.run(readCounters)
      const o1 = await exec.run(readCounters)
      const o2 = await exec.run(readCounters)
      const overhead = { tupReturned: o2.returned - o1.returned, tupFetched: o2.fetched - o1.fetched }

      let ids = first.cases.flatMap((c) => c.alertRequests.map((r) => r.id))
      let parentId = first.id
      const firstRuns: Array<Awaited<ReturnType<typeof measureTick>>> = []
      const steadyRuns: Array<Awaited<ReturnType<typeof measureTick>>> = []
      for (let run = 0; run <= config.runs; run++) {
        const dropped = ids.slice(0, DROPPED)
        const added = freshIds(ADDED)
        const doc = {
          id: randomUUID(),
          parentId,
          creatorId: "bench-planner",
          comment: "bench delta",
          changes: {
            cases: alertSitrep(null, added).cases,
            dropped: { alertRequests: dropped }
          }
        }
        await exec.run(publish(doc))
        ids = [...ids.slice(DROPPED), ...added]
        parentId = doc.id
        const firstTick = await measureTick()
        if (!firstTick.loaded) throw new Error("the loader did not move to the new version")
        check(firstTick.report, "first activation after the publish", (k) => k.created === ADDED && k.errorCount === 0 && k.requested === requested)
        const steadyTick = await measureTick()
        check(steadyTick.report, "steady activation", (k) => k.skipped && k.sweepSkipped && k.created === 0)
        // The first repetition warms the plans of the move's statements: discarded.
        if (run === 0) continue
        firstRuns.push(firstTick)
        steadyRuns.push(steadyTick)
        progress(`executor R=${requested} run ${run}/${config.runs}: first after publish ${firstTick.wall.toFixed(1)} ms (${firstTick.statements} statements, ${firstTick.returned - overhead.tupReturned} rows returned), steady ${steadyTick.wall.toFixed(1)} ms; read ${JSON.stringify(firstTick.relations)}`)
      }
      const figures = (runs: typeof firstRuns): TickFigures => ({
        ms: summarize(runs.map((r) => r.wall)),
        statements: summarize(runs.map((r) => r.statements)),
        tupReturned: summarize(runs.map((r) => r.returned - overhead.tupReturned)),
        tupFetched: summarize(runs.map((r) => r.fetched - overhead.tupFetched)),
        relations: runs[runs.length - 1]?.relations ?? {}
      })
      const mib = (kib: number) => kib / 1024
      return {
        requested,
        memory: {
          peakRssMiB: summarize(children.map((c) => mib(c.peakRssKiB))),
          rssAtStartMiB: summarize(children.map((c) => mib(c.rssAtStartKiB))),
          rssAfterLoadMiB: summarize(children.map((c) => mib(c.rssAfterLoadKiB))),
          heldBytesPerRequest: summarize(children.map((c) => c.heldBytes / requested)),
          heldAfterBytesPerRequest: summarize(children.map((c) => c.heldAfterBytes / requested)),
          loadMs: summarize(children.map((c) => c.loadMs)),
          activationMs: summarize(children.map((c) => c.activationMs))
        },
        firstAfterPublish: figures(firstRuns),
        steady: figures(steadyRuns),
        firstOverSteady: summarize(firstRuns.map((r, i) => r.wall / steadyRuns[i]!.wall)),
        readingOverhead: overhead
      }
    } finally {
      await exec.dispose()
    }
  } finally {
    await db.close().catch(() => undefined)
  }
}

/** The scenario alone: `node --conditions=@fm-rendezvous/source bench/scenarios/executor.ts [R] [runs] [memoryRuns]`. */
if (import.meta.main) {
  const [r, runs, memoryRuns] = process.argv.slice(2).map(Number)
  const server = await startServer()
  try {
    const figures = await executorScenario(server, { requested: r || 100_000, runs: runs || 7, memoryRuns: memoryRuns ?? 3 })
    process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`)
  } finally {
    await server.stop()
  }
}
