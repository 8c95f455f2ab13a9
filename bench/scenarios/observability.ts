import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { activateUninterruptibly } from "@fm-rendezvous/app/daemon/activation"
import { tracingLayer } from "@fm-rendezvous/app/observability/tracing"
import { ActivationMode, type Sitrep } from "@fm-rendezvous/domain"
import { Effect, ManagedRuntime } from "effect"
import { PrometheusMetrics } from "effect/observability"
import { addLiveRows, alertSitrep, freshIds, publishAndLoad } from "../support/data.ts"
import { createDatabase, type Server } from "../support/server.ts"
import { ms, progress, type Summary, summarize } from "../support/stats.ts"
import { BATCH_SIZE, PAGE_SIZE, reset } from "./activation.ts"

/**
 * Issue 11's overhead figure: the activation as `fm run` runs it (activateUninterruptibly: the use case with
 * its metric recording and spans), with metrics and tracing off (no OTLP endpoint, nobody
 * scraping: what every daemon pays) beside on (the OtlpTracer exporting JSON to a receiver on
 * loopback, and a Prometheus scrape after every activation, timed apart), in the same run, paired and
 * alternating which goes first. Both the steady state and the new generation (every request
 * created) at one R.
 */
export interface ObservabilityFigures {
  readonly requested: number
  readonly newGeneration: { readonly off: Summary; readonly on: Summary; readonly ratio: Summary }
  readonly steady: { readonly off: Summary; readonly on: Summary; readonly ratio: Summary }
  /** Spans the receiver got, and the size of one scrape. */
  readonly spansExported: number
  readonly scrapeBytes: number
  readonly scrapeMs: Summary
}

/** A test OTLP/HTTP receiver: counts spans, answers 200. */
const startReceiver = async () => {
  let spans = 0
  const server = createServer((req, res) => {
    let body = ""
    req.on("data", (d) => (body += d))
    req.on("end", () => {
      for (const rs of JSON.parse(body).resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans += (ss.spans ?? []).length
      res.writeHead(200, { "content-type": "application/json" }).end("{}")
    })
  })
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans: () => spans,
    close: () => new Promise((done) => server.close(done))
  }
}

export const observabilityScenario = async (
  server: Server,
  config: { readonly requested: number; readonly newGenRuns: number; readonly steadyRuns: number; readonly background: number }
): Promise<ObservabilityFigures> => {
  const receiver = await startReceiver()
  // The app's own tracing layer, configured the way an operator does it.
  process.env["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.url
  const tracing = ManagedRuntime.make(tracingLayer("fm-bench"))
  const traced = await tracing.context()
  delete process.env["OTEL_EXPORTER_OTLP_ENDPOINT"]
  const db = await createDatabase(server, "obs")
  let scrapeBytes = 0
  const scrapeMs: Array<number> = []
  try {
    const held: Sitrep = await publishAndLoad(db, alertSitrep(null, freshIds(config.requested)))
    await addLiveRows(db, config.background, 1n)
    const settings = { batchSize: BATCH_SIZE, sweepPageSize: PAGE_SIZE }
    const once = async (on: boolean) => {
      const activation = activateUninterruptibly("bench-executor", held, settings, ActivationMode.Routine())
      const t0 = performance.now()
      await db.run(on ? Effect.provide(activation, traced) : activation)
      const took = ms(t0)
      // A scrape is the listener's work, at the scraper's pace, not the activation's: timed apart.
      if (on) {
        const s0 = performance.now()
        scrapeBytes = (await db.run(PrometheusMetrics.format())).length
        scrapeMs.push(ms(s0))
      }
      return took
    }
    const pairs = async (runs: number, before: () => Promise<void>) => {
      const off: Array<number> = []
      const on: Array<number> = []
      // One unmeasured pair first: the exporter's first batch and HTTP connection, and the JIT of
      // both paths, are start-up costs, not per-activation ones.
      for (let run = -1; run < runs; run++) {
        // Alternate which goes first, so drift (caches, autovacuum) favours neither.
        for (const mode of run % 2 === 0 ? [false, true] : [true, false]) {
          await before()
          const took = await once(mode)
          if (run >= 0) (mode ? on : off).push(took)
        }
      }
      return { off: summarize(off), on: summarize(on), ratio: summarize(on.map((x, i) => x / off[i]!)) }
    }
    progress(`observability R=${config.requested}: new generation, off and on`)
    const newGeneration = await pairs(config.newGenRuns, () => reset(db, held))
    progress(`observability R=${config.requested}: steady state, off and on`)
    const steady = await pairs(config.steadyRuns, async () => {})
    progress(`observability: on/off new generation ${newGeneration.ratio.median.toFixed(3)}x, steady state ${steady.ratio.median.toFixed(3)}x`)
    await tracing.dispose() // flushes what the exporter still holds
    return { requested: config.requested, newGeneration, steady, spansExported: receiver.spans(), scrapeBytes, scrapeMs: summarize(scrapeMs) }
  } finally {
    await tracing.dispose()
    await receiver.close()
    await db.close()
  }
}
