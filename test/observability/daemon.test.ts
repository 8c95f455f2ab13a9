import { createServer } from "node:net"
import type { AddressInfo } from "node:net"
import type { ActivationReport, KindReport } from "@fm-rendezvous/domain"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { alertAndBundleCases, type FaultWorld, faultWorld, freshIds, runFm, startDaemon, waitUntil } from "../faults/harness.ts"
import { metricsUrlOf, type Scrape, scrape, valueOf } from "./scrape.ts"

/**
 * SPEC 9 end to end: the real `fm run` with FM_METRICS_LISTEN on a free loopback port (port 0:
 * the daemon logs where it listens), scraped before and after each publish. Every SPEC 9 name
 * (except `fm serve`'s two HTTP ones) is there with exactly its labels, and the counters move by
 * exactly what the activation reports say. Activations run only when a sitrep is loaded (a period
 * of an hour), so each publish is one activation and its stored report is the one to compare with.
 */
const SPEC9: Record<string, { type: string; labels: ReadonlyArray<string> }> = {
  fm_activations_total: { type: "counter", labels: ["executor"] },
  fm_activation_duration_seconds: { type: "histogram", labels: ["executor"] },
  fm_kind_activations_total: { type: "counter", labels: ["executor", "kind", "result"] },
  fm_requests_total: { type: "counter", labels: ["executor", "kind", "outcome"] },
  fm_markers_swept_total: { type: "counter", labels: ["executor", "kind"] },
  fm_sweep_duration_seconds: { type: "histogram", labels: ["executor", "kind"] },
  fm_held_sitrep_version: { type: "gauge", labels: ["executor"] },
  fm_current_sitrep_version: { type: "gauge", labels: ["executor"] },
  fm_execution_lag_generations: { type: "gauge", labels: ["kind"] },
  fm_markers_awaiting_collection: { type: "gauge", labels: ["kind"] },
  fm_oldest_marker_awaiting_collection_seconds: { type: "gauge", labels: ["kind"] },
  fm_store_errors_total: { type: "counter", labels: ["executor", "kind", "sqlstate"] }
}
const KINDS = ["alert", "support_bundle"]
const EXECUTOR = "metrics-e1"

let world: FaultWorld
beforeAll(async () => {
  world = await faultWorld()
})
afterAll(async () => {
  await world?.close()
})

const delta = (before: Scrape, after: Scrape, name: string, labels: Record<string, string>) =>
  valueOf(after, name, labels) - valueOf(before, name, labels)

/** The counters of one kind that the report of one activation fixes. */
const expectCountersMoved = (before: Scrape, after: Scrape, kind: string, k: KindReport) => {
  const labels = { executor: EXECUTOR, kind }
  // The report lists 20 errors and counts them all; the kind-wide ones (no request id) are listed
  // after the per-request ones, and there are none of those beyond the list here.
  const requestErrors = k.errorCount - k.errors.filter((e) => e.requestId === null).length
  expect({
    created: delta(before, after, "fm_requests_total", { ...labels, outcome: "created" }),
    alreadyExisted: delta(before, after, "fm_requests_total", { ...labels, outcome: "already_existed" }),
    tombstoned: delta(before, after, "fm_requests_total", { ...labels, outcome: "tombstoned" }),
    errors: delta(before, after, "fm_requests_total", { ...labels, outcome: "error" }),
    swept: delta(before, after, "fm_markers_swept_total", labels)
  }).toEqual({ created: k.created, alreadyExisted: k.alreadyExisted, tombstoned: k.tombstoned, errors: requestErrors, swept: k.markersSwept })
}

const reportOf = (version: number) =>
  waitUntil(`the report of the activation with version ${version}`, async () => {
    const r = await world.report(EXECUTOR)
    return r?.sitrep.version === version ? r : undefined
  }, 30_000)

describe("metrics: fm run with FM_METRICS_LISTEN", () => {
  it("every SPEC 9 name with its labels; counters move by exactly the activation reports", async () => {
    const daemon = startDaemon(world, EXECUTOR, { FM_METRICS_LISTEN: "127.0.0.1:0", FM_ACTIVATION_PERIOD: "1 hour" })
    try {
      const url = await metricsUrlOf(daemon)
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
      const empty = await scrape(url)
      // Known series start at 0 (so increase() sees the first event); the backlog gauges are read at once.
      expect(valueOf(empty, "fm_activations_total", { executor: EXECUTOR })).toBe(0)
      for (const kind of KINDS) expect(valueOf(empty, "fm_markers_awaiting_collection", { kind })).toBe(0)

      const alerts = freshIds(30)
      const bundles = freshIds(20)
      const [alertCase, bundleCase] = alertAndBundleCases(alerts, bundles)
      await world.publish([alertCase!, bundleCase!])
      const r1 = await reportOf(1)
      const s1 = await scrape(url)
      for (const kind of KINDS) expectCountersMoved(empty, s1, kind, r1.kinds[kind]!)
      expect(r1.kinds["alert"]!.created).toBe(30)

      // An operator deletes one alert; version 2 adds 5 alerts (so alerts run again and meet the
      // tombstone) and drops 10 bundles (their markers are swept).
      expect(await world.operatorDelete("alert", alerts[0]!)).toBe("Remove")
      await world.publish([{ ...alertCase!, alerts: [...alerts, ...freshIds(5)] }, { ...bundleCase!, bundles: bundles.slice(10) }])
      const r2: ActivationReport = await reportOf(2)
      const s2 = await scrape(url)
      expect(r2.kinds["alert"]).toMatchObject({ created: 5, alreadyExisted: 29, tombstoned: 1 })
      expect(r2.kinds["support_bundle"]).toMatchObject({ markersSwept: 10 })
      for (const kind of KINDS) expectCountersMoved(s1, s2, kind, r2.kinds[kind]!)
      expect(delta(s1, s2, "fm_activations_total", { executor: EXECUTOR })).toBe(1)
      expect(delta(s1, s2, "fm_activation_duration_seconds_count", { executor: EXECUTOR })).toBe(1)
      for (const kind of KINDS) {
        expect(delta(s1, s2, "fm_kind_activations_total", { executor: EXECUTOR, kind, result: "executed" })).toBe(1)
        expect(delta(s1, s2, "fm_sweep_duration_seconds_count", { executor: EXECUTOR, kind })).toBe(1)
        expect(valueOf(s2, "fm_execution_lag_generations", { kind })).toBe(0)
      }
      expect(valueOf(s2, "fm_held_sitrep_version", { executor: EXECUTOR })).toBe(2)
      expect(valueOf(s2, "fm_current_sitrep_version", { executor: EXECUTOR })).toBe(2)

      // A store failure: the alert table is gone while version 3 asks for more alerts.
      await world.sql((sql) => sql.unsafe("ALTER TABLE alert RENAME TO alert_away"))
      await world.publish([{ ...alertCase!, alerts: [...alerts, ...freshIds(7)] }, { ...bundleCase!, bundles: bundles.slice(10) }])
      const r3 = await reportOf(3)
      const s3 = await scrape(url)
      await world.sql((sql) => sql.unsafe("ALTER TABLE alert_away RENAME TO alert"))
      expect(r3.kinds["alert"]!.errorCount).toBeGreaterThan(0)
      for (const kind of KINDS) expectCountersMoved(s2, s3, kind, r3.kinds[kind]!)
      expect(delta(s2, s3, "fm_store_errors_total", { executor: EXECUTOR, kind: "alert", sqlstate: "42P01" })).toBe(1)
      expect(delta(s2, s3, "fm_kind_activations_total", { executor: EXECUTOR, kind: "alert", result: "failed" })).toBe(1)
      expect(valueOf(s3, "fm_execution_lag_generations", { kind: "alert" })).toBe(1)
      expect(valueOf(s3, "fm_execution_lag_generations", { kind: "support_bundle" })).toBe(0)

      // Every SPEC 9 name (but fm serve's HTTP two), with its type and exactly its labels.
      for (const [name, spec] of Object.entries(SPEC9)) {
        expect(s3.types.get(name), name).toBe(spec.type)
        const series = s3.samples.filter((s) => s.name === name || s.name === `${name}_bucket` || s.name === `${name}_count`)
        expect(series.length, name).toBeGreaterThan(0)
        for (const s of series) {
          expect(Object.keys(s.labels).filter((l) => l !== "le").sort(), `${name} ${JSON.stringify(s.labels)}`).toEqual([...spec.labels].sort())
        }
      }
    } finally {
      expect(await daemon.stop()).toBe(0)
    }
  })

  it("a malformed --metrics-listen (or FM_METRICS_LISTEN) is bad usage, an address in use a refusal: one sentence, nothing run", async () => {
    const flag = runFm(["run", "--executor", "bad", "--database-url", world.url, "--metrics-listen", "9464"])
    expect(flag).toMatchObject({ code: 2, stdout: "" })
    expect(flag.stderr.trim()).toBe('--metrics-listen takes HOST:PORT (such as 127.0.0.1:9464), not "9464".')
    const env = runFm(["run", "--executor", "bad", "--database-url", world.url], { FM_METRICS_LISTEN: "localhost:99999" })
    expect(env.code).toBe(2)
    expect(env.stderr.trim()).toBe('--metrics-listen takes HOST:PORT (such as 127.0.0.1:9464), not "localhost:99999".')
    // An address in use: a refusal (exit 1) in one sentence.
    const taken = createServer()
    await new Promise<void>((done) => taken.listen(0, "127.0.0.1", done))
    const port = (taken.address() as AddressInfo).port
    const inUse = runFm(["run", "--executor", "bad", "--database-url", world.url, "--metrics-listen", `127.0.0.1:${port}`])
    await new Promise((done) => taken.close(done))
    expect(inUse.code).toBe(1)
    expect(inUse.stderr.trim()).toBe(`Cannot serve metrics on 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port}.`)
    expect(await world.report("bad")).toBeUndefined()
  })
})
