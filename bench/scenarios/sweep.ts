import {
  alertKind,
  deleteResource,
  explain,
  generationOf,
  MarkerStore,
  type ResourceId,
  type Sitrep,
  type SitrepId,
  sweepKind,
  type SweepPage
} from "@fm-rendezvous/domain"
import { textArray } from "@fm-rendezvous/adapters-sql/params"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { addLiveRows, alertSitrep, freshIds, OPERATOR, publishAndLoad, sql } from "../support/data.ts"
import { type BenchDatabase, createDatabase, type Server } from "../support/server.ts"
import { ms, percentile, progress, type Summary, summarize } from "../support/stats.ts"
import { snapshotWire, wireSince } from "../support/wire.ts"
import { PAGE_SIZE } from "./activation.ts"

export type SweepName = "ledger" | "limit" | "tombstone" | "reconcile"

export const SWEEPS: ReadonlyArray<{ readonly name: SweepName; readonly label: string }> = [
  { name: "ledger", label: "GC candidate sweep over marked markers (this design)" },
  { name: "limit", label: "limit: delete exactly the K markers by primary key" },
  { name: "tombstone", label: "baseline (a): original full-table tombstone sweep" },
  { name: "reconcile", label: "baseline (b): page through every marker by primary key (upstream)" }
]

export interface SweepFigures {
  /** Live resources, each with its live marker, besides the K collectible markers. */
  readonly live: number
  readonly collectible: number
  readonly byName: Record<SweepName, { readonly ms: Summary; readonly statements: Summary }>
  /** ledger time / limit time, paired within each repetition. */
  readonly ledgerOverLimit: Summary
}

export interface LatencyFigures {
  readonly live: number
  readonly samplesPerRound: number
  readonly delete: { readonly p50: Summary; readonly p99: Summary; readonly statements: number }
  readonly explain: { readonly p50: Summary; readonly p99: Summary; readonly statements: number }
}

export interface SweepResults {
  readonly sweeps: Array<SweepFigures>
  /** Time at the largest size / time at the smallest, paired within each repetition, per sweep. */
  readonly growth: Record<SweepName, Summary>
  readonly latency: Array<LatencyFigures>
}

/**
 * The original design's sweep, written against this schema (bench only): one statement that
 * scans every marker for tombstones and deletes those no sitrep at or above the executed version
 * requests, looking through requests, their cases and history. Without an index on time_deleted
 * (the original had none for it either) it reads the whole table.
 */
const tombstoneSweep = (version: bigint) =>
  Effect.gen(function*() {
    const s = yield* SqlClient.SqlClient
    return yield* s`DELETE FROM alert_marker m
      WHERE m.time_deleted IS NOT NULL
        AND NOT EXISTS (
          SELECT 1 FROM lineage_request r
          JOIN sitrep_generation g ON g.kind = r.kind AND r.entered_at_generation <= g.generation
            AND (r.dropped_at_generation IS NULL OR r.dropped_at_generation > g.generation)
          JOIN sitrep_history h ON h.sitrep_id = g.sitrep_id
          WHERE r.kind = ${alertKind.name} AND r.id = m.resource_id AND h.version >= ${version}
        )
      RETURNING m.resource_id`
  })

/** The physical limit: delete exactly the K markers by primary key, a page at a time. */
const limitSweep = (ids: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const s = yield* SqlClient.SqlClient
    let deleted = 0
    for (let i = 0; i < ids.length; i += PAGE_SIZE) {
      const rows = yield* s`DELETE FROM alert_marker WHERE resource_id = ANY(${textArray(ids.slice(i, i + PAGE_SIZE))}::uuid[])
        RETURNING resource_id`
      deleted += rows.length
    }
    return deleted
  })

/** The upstream design: every marker, page by page, by primary key (the port's reconcilePage). */
const reconcileSweep = (held: SitrepId) =>
  Effect.gen(function*() {
    const markers = yield* MarkerStore
    let cursor: ResourceId | null = null
    let deleted = 0
    while (true) {
      const page: SweepPage<ResourceId> = yield* markers.reconcilePage(alertKind.name, held, cursor, PAGE_SIZE)
      if (page._tag === "SitrepMissing") throw new Error("the held sitrep is missing")
      deleted += page.deleted.length
      if (page.next === null) return deleted
      cursor = page.next
    }
  })

/**
 * The K collectible markers as they stand before every sweep: tombstones created at generation 1,
 * marked dropped at `dropped` as the publish of sitrep 2 would have marked them had they existed.
 */
const restore = async (db: BenchDatabase, collectible: ReadonlyArray<string>, dropped: bigint) => {
  await sql(db, (s) =>
    Effect.gen(function*() {
      yield* s`INSERT INTO alert_marker (resource_id, created_at_generation, time_created, time_deleted, deleted_by, dropped_at_generation)
        SELECT id, 1, now(), now(), ${OPERATOR.name}, ${dropped} FROM unnest(${textArray(collectible)}::uuid[]) AS t(id)
        ON CONFLICT (resource_id) DO NOTHING`
      // The bench server runs without autovacuum: clear the dead rows of the last sweep so every
      // run starts from the same table, and none pays for its predecessor's deletions.
      yield* s.unsafe("VACUUM alert_marker")
    }))
}

const count = (db: BenchDatabase, collectible: ReadonlyArray<string>) =>
  sql(db, (s) =>
    Effect.map(
      s<{ n: bigint }>`SELECT count(*) AS n FROM alert_marker WHERE resource_id = ANY(${textArray(collectible)}::uuid[])`,
      (rows) => Number(rows[0]!.n)
    ))

/**
 * Operator delete and explain latencies (scenario 4) on the same tables: `rounds` rounds of
 * `perRound` deletes of random live alerts through the delete use case, and explanations of as
 * many ids (half just deleted, half live). The deleted rows are put back afterwards, so the
 * tables are what they were.
 */
const latencies = async (db: BenchDatabase, live: number, rounds: number, perRound: number): Promise<LatencyFigures> => {
  const sample = await sql(db, (s) =>
    s<{ id: string }>`SELECT id FROM alert ORDER BY random() LIMIT ${rounds * perRound * 2}`)
  const victims = sample.slice(0, rounds * perRound).map((r) => r.id as ResourceId)
  const others = sample.slice(rounds * perRound).map((r) => r.id as ResourceId)
  await sql(db, (s) => s`CREATE TABLE bench_victim AS SELECT * FROM alert WHERE id = ANY(${textArray(victims)}::uuid[])`)
  const del = { p50: [] as Array<number>, p99: [] as Array<number> }
  const exp = { p50: [] as Array<number>, p99: [] as Array<number> }
  let deleteStatements = 0
  let explainStatements = 0
  for (let round = 0; round < rounds; round++) {
    const times: Array<number> = []
    for (const id of victims.slice(round * perRound, (round + 1) * perRound)) {
      const before = snapshotWire()
      const t0 = performance.now()
      const plan = await db.run(deleteResource(OPERATOR, alertKind, id))
      times.push(ms(t0))
      deleteStatements = wireSince(before).statements
      if (plan._tag !== "Remove" || !plan.stampMarker) throw new Error(`delete of ${id}: ${JSON.stringify(plan)}`)
    }
    del.p50.push(percentile(times, 50))
    del.p99.push(percentile(times, 99))
  }
  for (let round = 0; round < rounds; round++) {
    const times: Array<number> = []
    const ids = [
      ...victims.slice(round * perRound, round * perRound + perRound / 2),
      ...others.slice(round * perRound, round * perRound + perRound / 2)
    ]
    for (const id of ids) {
      const before = snapshotWire()
      const t0 = performance.now()
      const e = await db.run(explain(id))
      times.push(ms(t0))
      explainStatements = Math.max(explainStatements, wireSince(before).statements)
      if (e.kind !== alertKind.name || !e.fmCreated) throw new Error(`explain of ${id}: ${JSON.stringify(e)}`)
    }
    exp.p50.push(percentile(times, 50))
    exp.p99.push(percentile(times, 99))
  }
  // Put the deleted rows back and clear their tombstones.
  await sql(db, (s) =>
    Effect.gen(function*() {
      yield* s`INSERT INTO alert SELECT * FROM bench_victim`
      yield* s`UPDATE alert_marker SET time_deleted = NULL, deleted_by = NULL
        WHERE resource_id IN (SELECT id FROM bench_victim)`
      yield* s`DROP TABLE bench_victim`
      yield* s.unsafe("VACUUM alert, alert_marker")
    }))
  return {
    live,
    samplesPerRound: perRound,
    delete: { p50: summarize(del.p50), p99: summarize(del.p99), statements: deleteStatements },
    explain: { p50: summarize(exp.p50), p99: summarize(exp.p99), statements: explainStatements }
  }
}

interface SizeSetup {
  readonly size: number
  readonly db: BenchDatabase
  readonly collectible: ReadonlyArray<string>
  readonly held: Sitrep
  readonly generation: bigint
}

/**
 * One database per table size, with a real lineage: sitrep 1 requests the K alerts, sitrep 2 drops
 * them and requests 10 others. The K markers are tombstones created at generation 1 (an operator
 * deleted the alerts) and marked dropped at generation 2, written by `restore` before every sweep
 * (the publish marks only markers that exist, and these are written after it), so all four sweeps
 * delete exactly them. Then `size` live alerts with live, unmarked markers at generation 2.
 */
const setupSize = async (server: Server, size: number, k: number): Promise<SizeSetup> => {
  const db = await createDatabase(server, `sweep${size}`)
  const collectible = freshIds(k)
  const first: Sitrep = await publishAndLoad(db, alertSitrep(null, collectible))
  const held: Sitrep = await publishAndLoad(db, alertSitrep(first.id, freshIds(10)))
  const generation = generationOf(held, alertKind.name)!
  const t0 = performance.now()
  await addLiveRows(db, size, generation)
  progress(`sweep: ${size.toLocaleString("en")} live resources and markers loaded in ${(ms(t0) / 1000).toFixed(1)} s`)
  return { size, db, collectible, held, generation }
}

const runSweep = (setup: SizeSetup, name: SweepName) =>
  name === "ledger"
    ? Effect.map(sweepKind(alertKind.name, setup.held.id, PAGE_SIZE, false), (s) => s.swept)
    : name === "limit"
    ? limitSweep(setup.collectible)
    : name === "tombstone"
    ? Effect.map(tombstoneSweep(BigInt(setup.held.version)), (rows) => rows.length)
    : reconcileSweep(setup.held.id)

/**
 * Scenario 3 (and 4). Every size has its own database, loaded first; then each repetition runs the
 * four sweeps at every size, in a rotating order, so a change in the machine's background load
 * during the bench hits every size and every sweep alike. Ratios are taken within a repetition
 * (the sweeps of one repetition run seconds apart) and summarised over the repetitions.
 */
export const sweepScenarios = async (
  server: Server,
  opts: {
    readonly collectible: number
    readonly sizes: ReadonlyArray<number>
    readonly runs: number
    readonly latencyAt: ReadonlyArray<number>
    readonly latencyRounds: number
    readonly latencyPerRound: number
  }
): Promise<SweepResults> => {
  const setups: Array<SizeSetup> = []
  try {
    for (const size of opts.sizes) {
      progress(`sweep: loading ${size.toLocaleString("en")} live resources and markers with K = ${opts.collectible.toLocaleString("en")} collectible`)
      setups.push(await setupSize(server, size, opts.collectible))
    }
    const samples = new Map(setups.map((s) => [s.size, {
      ledger: { ms: [] as Array<number>, st: [] as Array<number> },
      limit: { ms: [] as Array<number>, st: [] as Array<number> },
      tombstone: { ms: [] as Array<number>, st: [] as Array<number> },
      reconcile: { ms: [] as Array<number>, st: [] as Array<number> }
    }]))
    for (let run = 0; run < opts.runs; run++) {
      for (const setup of setups) {
        const order = SWEEPS.map((_, i) => SWEEPS[(i + run) % SWEEPS.length]!.name)
        for (const name of order) {
          await restore(setup.db, setup.collectible, setup.generation)
          const before = snapshotWire()
          const t0 = performance.now()
          const deleted: number = await setup.db.run<number, unknown>(runSweep(setup, name))
          const took = ms(t0)
          const statements = wireSince(before).statements
          if (deleted !== opts.collectible || (await count(setup.db, setup.collectible)) !== 0) {
            throw new Error(`${name} sweep deleted ${deleted} markers, expected exactly ${opts.collectible}`)
          }
          samples.get(setup.size)![name].ms.push(took)
          samples.get(setup.size)![name].st.push(statements)
          progress(`sweep N=${setup.size.toLocaleString("en")} run ${run + 1}/${opts.runs} ${name}: ${took.toFixed(0)} ms, ${statements} statements`)
        }
      }
    }
    const sweeps: Array<SweepFigures> = setups.map(({ size }) => {
      const own = samples.get(size)!
      const byName = Object.fromEntries(
        SWEEPS.map(({ name }) => [name, { ms: summarize(own[name].ms), statements: summarize(own[name].st) }])
      ) as SweepFigures["byName"]
      const paired = own.ledger.ms.map((t, i) => t / own.limit.ms[i]!)
      return { live: size, collectible: opts.collectible, byName, ledgerOverLimit: summarize(paired) }
    })
    const smallest = samples.get(setups[0]!.size)!
    const largest = samples.get(setups[setups.length - 1]!.size)!
    const growth = Object.fromEntries(
      SWEEPS.map(({ name }) => [name, summarize(largest[name].ms.map((t, i) => t / smallest[name].ms[i]!))])
    ) as Record<SweepName, Summary>
    const latency: Array<LatencyFigures> = []
    for (const setup of setups.filter((s) => opts.latencyAt.includes(s.size))) {
      progress(`latency N=${setup.size.toLocaleString("en")}: operator deletes and explanations`)
      await restore(setup.db, setup.collectible, setup.generation)
      latency.push(await latencies(setup.db, setup.size, opts.latencyRounds, opts.latencyPerRound))
    }
    return { sweeps, growth, latency }
  } finally {
    for (const setup of setups) await setup.db.close()
  }
}
