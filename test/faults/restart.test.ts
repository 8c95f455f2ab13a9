import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type PrivateCluster, startPrivateCluster } from "@fm-rendezvous/testkit/cluster"
import { type FaultWorld, faultWorld, alertAndBundleCases, freshIds, logFigures, sleep, startDaemon } from "./harness.ts"

/**
 * Fault: the database server is restarted under a running daemon. The test never restarts a
 * shared server (DATABASE_URL may point at the machine's): it runs a private embedded PostgreSQL,
 * in both modes, stops it (fast shutdown: every connection is cut) and starts it again on the same
 * port. The daemon must stay up, report the outage, reconnect and converge on what was published
 * after the restart; then every SPEC 4 invariant is checked from the database.
 */
let server: PrivateCluster
let world: FaultWorld
beforeAll(async () => {
  server = await startPrivateCluster("restart")
  world = await faultWorld({ server: server.url })
})
afterAll(async () => {
  await world?.close()
  await server?.remove()
})

describe("fault: database restarted under a running daemon", () => {
  it("the daemon reports the outage, reconnects and converges", async () => {
    world.sampleProgress()
    const alerts = freshIds(500)
    const bundles = freshIds(50)
    const [alertCase, bundleCase] = alertAndBundleCases(alerts, bundles)
    await world.publish([alertCase!, bundleCase!])
    const daemon = startDaemon(world, "daemon-r", { FM_BATCH_SIZE: "20" })
    await world.converged("daemon-r")

    // Down for a while: several loader polls and activation periods fail.
    const before = logFigures(daemon.stderr())
    const stoppedAt = Date.now()
    await server.stop()
    await sleep(1500)
    expect(daemon.child.exitCode).toBeNull() // still running
    await server.start()
    const downMs = Date.now() - stoppedAt
    const outageLog = daemon.stderr()

    // After the restart: a new sitrep (adds and drops), and an operator delete.
    const added = freshIds(100)
    await world.publish([{ ...alertCase!, alerts: [...alerts.slice(100), ...added] }, { ...bundleCase!, bundles: bundles.slice(10) }])
    expect(await world.operatorDelete("alert", alerts[200]!)).toBe("Remove")
    const report = await world.converged("daemon-r", 30_000)
    const summary = await world.check()
    expect(await daemon.stop()).toBe(0)
    expect(daemon.stderr()).not.toMatch(/\n\s+at /)
    const warnings = outageLog.split("\n").filter((l) => /level=WARN/.test(l))
    expect(warnings.length).toBeGreaterThan(0)
    // What an operator sees: one warning per poll, naming the step and the server's words.
    for (const w of warnings) expect(w).toMatch(/message="(sitrep load failed|activation failed|lease renewal failed): .*(the database connection failed|shutting down|terminating connection|starting up)/)
    const after = logFigures(daemon.stderr())
    console.log(
      `fault database-restart: injected a fast shutdown of the (private, embedded) server under fm run, down ${downMs} ms, ` +
        `then started again on the same port; the daemon stayed up and logged ${warnings.length} warnings during the outage ` +
        `(first: ${JSON.stringify(warnings[0]!.replace(/^.*message=/, "").slice(0, 160))}); ${after.activations - before.activations} ` +
        `activations since, converged on version ${report.sitrep.version} (created ${report.kinds["alert"]!.created} alerts, ` +
        `swept ${report.kinds["alert"]!.markersSwept}); ${summary.line}`
    )
  })
})
