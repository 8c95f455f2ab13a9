import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { metricsUrlOf, scrape, valueOf } from "../observability/scrape.ts"
import { DAEMON_APP, type FaultWorld, faultWorld, alertAndBundleCases, freshIds, onServer, runFm, startDaemon, waitUntil, withParams } from "./harness.ts"

/**
 * Fault: one kind fails persistently. The daemon connects as a non-superuser role that may not
 * INSERT into the alert table (REVOKE), as a misconfigured grant would leave it. Alerts fail on
 * every activation; support bundles must still be created, their progress must advance and their
 * markers must be swept; `fm status` (human and --json) must name the failing kind and why. Once
 * the grant is restored the daemon converges and every SPEC 4 invariant is checked. Its metrics
 * (SPEC 9) say the same: the failing kind's lag grows and its store errors rise, by SQLSTATE,
 * while the other kind's lag stays 0.
 */
let world: FaultWorld
const role = `fm_fault_${Math.random().toString(36).slice(2, 10)}`
const password = "fault-test"

beforeAll(async () => {
  world = await faultWorld()
  await onServer(world.server, (sql) => sql.unsafe(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`))
  for (const statement of [
    `GRANT USAGE ON SCHEMA public TO ${role}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`,
    `REVOKE INSERT ON alert FROM ${role}`
  ]) await world.sql((sql) => sql.unsafe(statement))
})
afterAll(async () => {
  await world?.close()
  await onServer(world.server, (sql) => sql.unsafe(`DROP ROLE IF EXISTS ${role}`)).catch(() => {})
})

describe("fault: one kind failing persistently", () => {
  it("alert table not writable: bundles are created, progress and sweeps go on; status names alerts and why", async () => {
    world.sampleProgress()
    const alerts = freshIds(60)
    const bundles = freshIds(40)
    const [alertCase, bundleCase] = alertAndBundleCases(alerts, bundles)
    const v1 = await world.publish([alertCase!, bundleCase!])

    const u = new URL(world.url)
    u.username = role
    u.password = password
    const daemon = startDaemon(world, "daemon-k", { FM_BATCH_SIZE: "25", FM_METRICS_LISTEN: "127.0.0.1:0" }, withParams(u.toString(), { application_name: DAEMON_APP }))
    await daemon.waitForLog(/sitrepVersion=1/)
    const metrics = await metricsUrlOf(daemon)
    const storeErrors = { executor: "daemon-k", kind: "alert", sqlstate: "42501" }
    const first = await scrape(metrics)
    expect(valueOf(first, "fm_execution_lag_generations", { kind: "alert" })).toBe(1)
    expect(valueOf(first, "fm_execution_lag_generations", { kind: "support_bundle" })).toBe(0)
    expect(valueOf(first, "fm_store_errors_total", storeErrors)).toBeGreaterThan(0)

    // The next sitrep drops 30 bundles (their markers become collectible) and adds 10; alerts change too.
    const newBundles = freshIds(10)
    const newAlerts = freshIds(5)
    const v2 = await world.publish([
      { ...alertCase!, alerts: [...alerts.slice(10), ...newAlerts] },
      { ...bundleCase!, bundles: [...bundles.slice(30), ...newBundles] }
    ])
    const during = await waitUntil("an activation with version 2", async () => {
      const r = await world.report("daemon-k")
      return r?.sitrep.version === 2 ? r : undefined
    }, 20_000)
    const bundle = during.kinds["support_bundle"]!
    const alert = during.kinds["alert"]!
    // The other kind goes on: created, progress at the current generation, markers swept.
    expect(bundle).toMatchObject({ created: 10, errorCount: 0, stale: false })
    expect(bundle.executedThrough).toBe(v2.generations["support_bundle"])
    expect(bundle.markersSwept).toBe(30)
    // The failing kind: every request an error, progress stuck, lag reported.
    expect(alert.errorCount).toBe(55)
    expect(alert.executedThrough).toBeNull()
    expect(alert.errors[0]!.message).toBe("creating alert resources failed: permission denied for table alert (SQLSTATE 42501)")

    const second = await scrape(metrics)
    expect(valueOf(second, "fm_execution_lag_generations", { kind: "alert" })).toBe(2)
    expect(valueOf(second, "fm_execution_lag_generations", { kind: "support_bundle" })).toBe(0)
    expect(valueOf(second, "fm_store_errors_total", storeErrors)).toBeGreaterThan(valueOf(first, "fm_store_errors_total", storeErrors))
    expect(valueOf(second, "fm_kind_activations_total", { executor: "daemon-k", kind: "alert", result: "failed" })).toBeGreaterThan(0)
    expect(valueOf(second, "fm_store_errors_total", { executor: "daemon-k", kind: "support_bundle", sqlstate: "42501" })).toBe(0)

    const json = runFm(["status", "--json", "--database-url", world.url])
    expect(json.code).toBe(0)
    const doc = (JSON.parse(json.stdout).executors as Array<any>).find((r) => r.executor === "daemon-k")
    expect(doc.kinds.alert).toMatchObject({ errorCount: 55, executedThrough: null, lag: 2 })
    expect(doc.kinds.alert.errors[0].message).toMatch(/permission denied for table alert/)
    // (Later activations of the same sitrep skip bundles: already executed and swept.)
    expect(doc.kinds.support_bundle).toMatchObject({ errorCount: 0, executedThrough: 2, lag: 0 })
    const bundleMarkers = await world.sql((sql) => sql<{ n: bigint }>`SELECT count(*) AS n FROM support_bundle_marker`)
    expect(Number(bundleMarkers[0]!.n)).toBe(20) // exactly the bundles version 2 requests
    const human = runFm(["status", "--database-url", world.url])
    expect(human.code).toBe(0)
    const alertSection = /alerts \(generation 2\):[\s\S]*?(?=support bundles)/.exec(human.stdout)?.[0] ?? ""
    expect(alertSection).toMatch(/errors:\s+55\n/)
    expect(alertSection).toMatch(/- request [0-9a-f-]+: creating alert resources failed: permission denied for table alert \(SQLSTATE 42501\)/)
    expect(alertSection).toMatch(/executed through generation:\s+none yet/)
    const bundleSection = /support bundles \(generation 2\):[\s\S]*/.exec(human.stdout)?.[0] ?? ""
    expect(bundleSection).toMatch(/errors:\s+0\n/)
    expect(bundleSection).toMatch(/executed through generation:\s+2\s+\(lag 0\b/)

    // Restore the grant: the next activation accounts for every alert.
    await world.sql((sql) => sql.unsafe(`GRANT INSERT ON alert TO ${role}`))
    const report = await world.converged("daemon-k")
    const summary = await world.check()
    expect(await daemon.stop()).toBe(0)
    expect(daemon.stderr()).not.toMatch(/\n\s+at /)
    console.log(
      `fault failing-kind: injected REVOKE INSERT ON alert from the daemon's role across versions ${v1.version}-${v2.version}; ` +
        `alerts reported ${alert.errorCount} errors ("${alert.errors[0]!.message}"), executed through none (lag 2) ` +
        `while support bundles created ${bundle.created}, swept ${bundle.markersSwept} markers and executed through generation ${bundle.executedThrough}; ` +
        `fm status (human and --json) names alerts and the cause; after GRANT it converged on version ${report.sitrep.version}; ${summary.line}`
    )
  })
})
