import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import { createServer } from "node:net"
import type { AddressInfo } from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startServer, type Served } from "../api/harness.ts"
import { alertAndBundleCases, type DaemonProcess, type FaultWorld, faultWorld, freshIds, startDaemon, waitUntil } from "../faults/harness.ts"
import { metricsUrlOf } from "../observability/scrape.ts"

/**
 * deploy/grafana/: every panel's query against a real Prometheus (Debian's `prometheus`,
 * .ci/apt.d/deploy.txt) on a loopback port, scraping a real `fm run --metrics-listen` and a real
 * `fm serve` every second while the daemon activates, sweeps and the API answers. Every query
 * must parse, and every panel that should have data must return some (store errors: none
 * happen here, so that panel only has to parse). Grafana's variables are replaced as Grafana
 * would: `$executor` by its "All" value, `$__rate_interval` by a range of several scrapes.
 */
const ROOT = path.resolve(import.meta.dirname, "../..")
const DASHBOARD = JSON.parse(fs.readFileSync(path.join(ROOT, "deploy/grafana/fm-rendezvous.json"), "utf8"))
const MAY_BE_EMPTY = new Set(["Store errors by SQLSTATE"])

interface Target {
  readonly refId: string
  readonly expr: string
}
interface Panel {
  readonly id: number
  readonly type: string
  readonly title: string
  readonly datasource?: { readonly uid: string }
  readonly targets?: ReadonlyArray<Target>
}
const panels = (DASHBOARD.panels as ReadonlyArray<Panel>).filter((p) => p.type !== "row")
const grafanaToPromQL = (expr: string) => expr.replaceAll("$__rate_interval", "10s").replaceAll("$executor", ".*")

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer()
    s.once("error", reject)
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo
      s.close(() => resolve(port))
    })
  })

let world: FaultWorld
let daemon: DaemonProcess
let served: Served
let prometheus: ChildProcess
let prometheusLog = ""
let base = ""
let dir = ""
let executorMetricsUrl = ""

const query = async (promql: string): Promise<{ status: string; error?: string; data?: { result: Array<unknown> } }> =>
  (await fetch(`${base}/api/v1/query?${new URLSearchParams({ query: promql })}`)).json() as Promise<any>

beforeAll(async () => {
  world = await faultWorld()
  const alerts = freshIds(20)
  const bundles = freshIds(10)
  const cases = alertAndBundleCases(alerts, bundles)
  await world.publish(cases)
  daemon = startDaemon(world, "dash-e1", { FM_METRICS_LISTEN: "127.0.0.1:0", FM_ACTIVATION_PERIOD: "1 second" })
  served = await startServer(world.url)
  executorMetricsUrl = await metricsUrlOf(daemon)
  const executorMetrics = new URL(executorMetricsUrl)
  const api = new URL(served.base)
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "fm-prometheus-"))
  fs.writeFileSync(
    path.join(dir, "prometheus.yml"),
    JSON.stringify({
      global: { scrape_interval: "1s", evaluation_interval: "1s" },
      scrape_configs: [
        { job_name: "fm-executor", static_configs: [{ targets: [executorMetrics.host] }] },
        { job_name: "fm-serve", static_configs: [{ targets: [api.host] }] }
      ]
    })
  )
  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  prometheus = spawn("prometheus", [
    `--config.file=${path.join(dir, "prometheus.yml")}`,
    `--storage.tsdb.path=${path.join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${port}`
  ], { stdio: ["ignore", "ignore", "pipe"] })
  prometheus.stderr!.on("data", (d) => (prometheusLog += d))
  await waitUntil(() => `Prometheus ready at ${base}; its log:\n${prometheusLog.slice(-2000)}`, async () => {
    const r = await fetch(`${base}/-/ready`).catch(() => undefined)
    return r?.status === 200 ? true : undefined
  }, 20_000)
  // Traffic for the API panels: answered, refused (401) and a 404.
  for (let i = 0; i < 5; i++) {
    await fetch(`${served.base}/healthz`)
    await fetch(`${served.base}/v1/alerts`)
    await fetch(`${served.base}/v1/nowhere`)
  }
  // A second sitrep drops half the alerts: the sweeps collect their markers.
  await world.publish([{ ...cases[0]!, alerts: alerts.slice(10) }, cases[1]!])
}, 120_000)

afterAll(async () => {
  if (prometheus !== undefined && prometheus.exitCode === null) {
    const exited = new Promise((done) => prometheus.once("exit", done))
    prometheus.kill("SIGTERM")
    await exited
  }
  await daemon?.stop()
  await served?.stop()
  await world?.close()
  if (dir !== "") fs.rmSync(dir, { recursive: true, force: true })
})

describe("deploy/grafana: the dashboard", () => {
  it("covers SPEC 9: lag, backlog and oldest marker, activation and sweep durations, outcomes, store errors, the API", () => {
    const exprs = panels.flatMap((p) => p.targets ?? []).map((t) => t.expr).join("\n")
    for (const name of [
      "fm_execution_lag_generations",
      "fm_markers_awaiting_collection",
      "fm_oldest_marker_awaiting_collection_seconds",
      "fm_activation_duration_seconds_bucket",
      "fm_sweep_duration_seconds_bucket",
      "fm_requests_total",
      "fm_store_errors_total",
      "fm_http_requests_total",
      "fm_http_request_duration_seconds_bucket"
    ]) expect(exprs).toContain(name)
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length)
    for (const p of panels) {
      expect(p.datasource?.uid, p.title).toBe("${datasource}")
      expect(p.targets?.length, p.title).toBeGreaterThan(0)
    }
  })

  it("every panel's query parses in Prometheus, and those that should have data return some", async () => {
    const targets = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, promql: grafanaToPromQL(t.expr) })))
    let empty: Array<string> = []
    const answers = await waitUntil(() => `data in every panel; still empty: ${empty.join(", ")}`, async () => {
      const all = await Promise.all(targets.map(async (t) => ({ ...t, answer: await query(t.promql) })))
      empty = all.filter((a) => a.answer.status === "success" && !MAY_BE_EMPTY.has(a.panel) && a.answer.data!.result.length === 0)
        .map((a) => `${a.panel} (${a.promql})`)
      return empty.length === 0 ? all : undefined
    }, 25_000, 500)
    for (const a of answers) {
      expect({ panel: a.panel, status: a.answer.status, error: a.answer.error }).toEqual({ panel: a.panel, status: "success", error: undefined })
      if (!MAY_BE_EMPTY.has(a.panel)) expect(a.answer.data!.result.length, `${a.panel}: ${a.promql}`).toBeGreaterThan(0)
    }
    // Both processes were scraped.
    const up = await query("up")
    expect((up.data!.result as Array<{ metric: { job: string }; value: [number, string] }>).map((r) => [r.metric.job, r.value[1]]).sort())
      .toEqual([["fm-executor", "1"], ["fm-serve", "1"]])
  })
})

describe("what an operator's probes and log readers see of the same two processes (issue 25.11)", () => {
  it("the daemon's metrics port answers /healthz, as fm serve's does", async () => {
    const answer = await fetch(new URL("/healthz", executorMetricsUrl))
    expect(answer.status).toBe(200)
    expect(await answer.json()).toEqual({ status: "ok" })
  })

  it("fm serve's request lines carry a timestamp; it says when it stops and when it has stopped, and exits 0", async () => {
    const lines = served.log().split("\n")
    const healthz = lines.find((l) => l.includes('route="/healthz"'))
    expect(healthz).toMatch(/^timestamp=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z method=GET route="\/healthz" status=200 duration_ms=[\d.]+ actor="-"$/)
    expect(await served.stop()).toBe(0)
    const tail = served.log().trimEnd().split("\n").slice(-2)
    expect(tail).toEqual([
      "fm serve: stopping: no new requests; those in flight have up to 20s (FM_SHUTDOWN_TIMEOUT)",
      "fm serve: stopped"
    ])
  })
})
