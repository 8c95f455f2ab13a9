/**
 * The API's cost (issue 10): p50/p99 latency and requests per second of GET /v1/explain/{id},
 * GET /v1/alerts?limit=100 and DELETE /v1/alerts/{id} against a real `fm serve` process, driven
 * by autocannon at 1, 8 and 32 connections, beside the same operation through the use case
 * in-process (one caller, same database). Section 9 of `npm run bench`; run alone:
 * `node --conditions=@fm-rendezvous/source bench/scenarios/api.ts` (FM_BENCH_QUICK=1: API_QUICK).
 */
import { spawn } from "node:child_process"
import { resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { issueToken } from "@fm-rendezvous/app/tokens"
import { deleteResource, explain, alertKind, ResourceStore, type ResourceId } from "@fm-rendezvous/domain"
import autocannon from "autocannon"
import { Effect, Option } from "effect"
import { addLiveRows, alertSitrep, OPERATOR, publishAndLoad, sql } from "../support/data.ts"
import { type BenchDatabase, createDatabase, type Server, startServer } from "../support/server.ts"
import { percentile, progress } from "../support/stats.ts"

const FM_BIN = resolve(fileURLToPath(new URL("../../packages/app/src/bin/fm.ts", import.meta.url)))

export interface Cell {
  readonly rows: number
  readonly operation: string
  readonly connections: number | "in-process"
  readonly p50ms: number
  readonly p99ms: number
  readonly requestsPerSecond: number
  readonly non2xx: number
}

const serve = (url: string): Promise<{ base: string; stop: () => Promise<void> }> =>
  new Promise((done, fail) => {
    const child = spawn(process.execPath, ["--conditions=@fm-rendezvous/source", FM_BIN, "serve", "--listen", "127.0.0.1:0", "--database-url", url], {
      stdio: ["ignore", "ignore", "pipe"]
    })
    let err = ""
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString("utf8")
      const m = /listening on (http:\/\/\S+)/.exec(err)
      // The request log would cost the server a write per request: drop it once started.
      if (m !== null) {
        child.stderr.removeAllListeners("data")
        child.stderr.resume()
        done({ base: m[1]!, stop: () => new Promise((r) => (child.once("exit", () => r()), child.kill("SIGTERM"))) })
      }
    })
    child.once("exit", (code) => fail(new Error(`fm serve exited ${code}: ${err}`)))
  })

const load = async (base: string, token: string, connections: number, seconds: number, method: string, next: () => string) => {
  const result = await autocannon({
    url: base,
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${token}` },
    requests: [{ method: method as "GET", setupRequest: (req: any) => ({ ...req, path: next() }) }]
  })
  return { p50: result.latency.p50, p99: result.latency.p99, rps: result.requests.average, non2xx: result.non2xx }
}

const inProcess = async (db: BenchDatabase, runs: number, op: (i: number) => Effect.Effect<unknown, unknown, any>) => {
  const samples: Array<number> = []
  const t = performance.now()
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    await db.run(op(i) as Effect.Effect<unknown, unknown, never>)
    samples.push(performance.now() - t0)
  }
  const total = (performance.now() - t) / 1000
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), rps: runs / total, non2xx: 0 }
}

export interface ApiConfig {
  /** Live alerts in the table, one database each. */
  readonly sizes: ReadonlyArray<number>
  /** How long autocannon drives each cell. */
  readonly seconds: number
  /** How many calls of each operation through the use case in-process. */
  readonly inProcessRuns: number
}

/** The invalid-token load beside the flooded cell (issue 22.4), in requests per second. */
const INVALID_RATE = 200
export const FLOODED = `GET /v1/explain/{id} + ${INVALID_RATE} req/s invalid tokens`

let fakes = 0
/** A token of the right shape that no row has: a lookup each, then 401. */
const fakeToken = () => `fm_${(fakes++).toString(16).padStart(16, "0")}_${"B".repeat(43)}`

/** Quick (a smoke test, about 30 s) and full (the issue's sizes) settings, for run.ts and a run alone. */
export const API_QUICK: ApiConfig = { sizes: [10_000], seconds: 1, inProcessRuns: 100 }
export const API_FULL: ApiConfig = { sizes: [10_000, 1_000_000], seconds: 5, inProcessRuns: 300 }

export const apiScenarios = async (server: Server, { sizes, seconds, inProcessRuns: runs }: ApiConfig): Promise<Array<Cell>> => {
  const cells: Array<Cell> = []
  for (const rows of sizes) {
    const db = await createDatabase(server, `api${rows}`)
    try {
      await publishAndLoad(db, alertSitrep(null, []))
      progress(`api: ${rows} alerts...`)
      await addLiveRows(db, rows, 1n)
      const ids = (await sql(db, (s) => s<{ id: string }>`SELECT id FROM alert ORDER BY id LIMIT 200000`)).map((r) => r.id)
      const token = (await db.run(issueToken("bench-api", "admin", Option.none()))).token
      const served = await serve(db.url)
      try {
        let explainAt = 0
        let deleteAt = 0
        const operations = [
          { name: "GET /v1/explain/{id}", method: "GET", next: () => `/v1/explain/${ids[explainAt++ % ids.length]}` },
          { name: "GET /v1/alerts?limit=100", method: "GET", next: () => "/v1/alerts?limit=100" },
          { name: "DELETE /v1/alerts/{id}", method: "DELETE", next: () => `/v1/alerts/${ids[deleteAt++ % ids.length]}` }
        ]
        for (const o of operations) {
          for (const connections of [1, 8, 32]) {
            const r = await load(served.base, token, connections, seconds, o.method, o.next)
            cells.push({ rows, operation: o.name, connections, p50ms: r.p50, p99ms: r.p99, requestsPerSecond: r.rps, non2xx: r.non2xx })
            progress(`api: ${rows} rows ${o.name} x${connections}: p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.rps.toFixed(0)} req/s`)
          }
        }
        // Issue 22.4: valid explains on one connection with 200 req/s of well-formed fake tokens
        // alongside (each a token lookup, bounded by FM_TOKEN_LOOKUPS), against the x1 cell above.
        {
          const flood = autocannon({
            url: served.base,
            connections: 10,
            overallRate: INVALID_RATE,
            duration: seconds,
            requests: [{ method: "GET", setupRequest: (req: any) => ({ ...req, path: "/v1/me", headers: { authorization: `Bearer ${fakeToken()}` } }) }]
          })
          const r = await load(served.base, token, 1, seconds, "GET", operations[0]!.next)
          const invalid = await flood
          cells.push({ rows, operation: FLOODED, connections: 1, p50ms: r.p50, p99ms: r.p99, requestsPerSecond: r.rps, non2xx: r.non2xx })
          progress(`api: ${rows} rows ${FLOODED}: p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.rps.toFixed(0)} req/s (invalid: ${invalid.requests.average.toFixed(0)} req/s, ${invalid.non2xx} refused)`)
        }
        // The same operations through the use case in-process (fresh ids for the deletes).
        const base = ids.length - runs
        const direct = [
          { name: "GET /v1/explain/{id}", op: (i: number) => explain(ids[i % ids.length] as ResourceId) },
          { name: "GET /v1/alerts?limit=100", op: () => Effect.gen(function*() {
            return yield* (yield* ResourceStore).list(alertKind.name, { limit: 101 })
          }) },
          { name: "DELETE /v1/alerts/{id}", op: (i: number) => deleteResource(OPERATOR, alertKind, ids[base + i] as ResourceId) }
        ]
        for (const d of direct) {
          const r = await inProcess(db, runs, d.op)
          cells.push({ rows, operation: d.name, connections: "in-process", p50ms: r.p50, p99ms: r.p99, requestsPerSecond: r.rps, non2xx: 0 })
          progress(`api: ${rows} rows ${d.name} in-process: p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ${r.rps.toFixed(0)} req/s`)
        }
      } finally {
        await served.stop()
      }
    } finally {
      await db.close()
    }
  }
  return cells
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const quick = process.env["FM_BENCH_QUICK"] === "1"
  const server = await startServer()
  try {
    const cells = await apiScenarios(server, quick ? API_QUICK : API_FULL)
    console.log(JSON.stringify(cells, null, 2))
  } finally {
    await server.stop()
  }
}
