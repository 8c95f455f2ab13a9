import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { daemonUrl, type FaultWorld, faultWorld, alertAndBundleCases, freshIds, logFigures, runFm, startDaemon, waitUntil } from "./harness.ts"

/**
 * Fault: statements time out. The daemon connects with `statement_timeout` set through the URL
 * (`?options=-c statement_timeout=250`, as an operator would bound statements), and the test holds
 * an ACCESS EXCLUSIVE lock on the alert table, so every guarded alert insert waits and is cancelled.
 * The timeouts must be reported (status, log), support bundles must go on, and once the lock is
 * released the daemon converges; then every SPEC 4 invariant is checked from the database.
 */
let world: FaultWorld
beforeAll(async () => {
  world = await faultWorld()
})
afterAll(() => world?.close())

describe("fault: statements time out", () => {
  it("a lock held past statement_timeout: reported per kind, then converges", async () => {
    world.sampleProgress()
    const alerts = freshIds(200)
    const bundles = freshIds(40)
    await world.publish(alertAndBundleCases(alerts, bundles))

    // The lock is taken before the daemon starts and held on a connection of the test's own.
    const release = await world.holdLock("LOCK TABLE alert IN ACCESS EXCLUSIVE MODE")
    const lockedAt = Date.now()

    const url = daemonUrl(world, { options: "-c statement_timeout=250" })
    const daemon = startDaemon(world, "daemon-t", { FM_BATCH_SIZE: "50" }, url)
    // Reported: the alert kind's errors name the timeout; support bundles were created anyway.
    const during = await waitUntil("a report naming the timeout", async () => {
      const r = await world.report("daemon-t")
      return r !== undefined && r.kinds["alert"]!.errorCount > 0 ? r : undefined
    }, 30_000)
    expect(during.kinds["alert"]!.errors[0]!.message).toMatch(/statement timeout/)
    expect(during.kinds["alert"]!.errorCount).toBe(alerts.length)
    expect(during.kinds["support_bundle"]).toMatchObject({ created: bundles.length, errorCount: 0 })
    const status = runFm(["status", "--json", "--database-url", world.url])
    expect(status.code).toBe(0)
    const statusDoc = JSON.parse(status.stdout).executors as Array<any>
    expect(statusDoc[0].kinds.alert.errors[0].message).toMatch(/creating alert resources failed: canceling statement due to statement timeout/)
    const human = runFm(["status", "--database-url", world.url]).stdout
    expect(human).toMatch(/alerts \(generation 1\):[\s\S]*errors:\s+200\n\s+- request [0-9a-f-]+: creating alert resources failed: canceling statement due to statement timeout/)
    const timedOutActivations = logFigures(daemon.stderr()).erroredActivations

    await release()
    const heldMs = Date.now() - lockedAt
    const report = await world.converged("daemon-t")
    const summary = await world.check()
    expect(await daemon.stop()).toBe(0)
    expect(daemon.stderr()).not.toMatch(/\n\s+at /)
    console.log(
      `fault statement-timeout: injected an ACCESS EXCLUSIVE lock on the alert table for ${heldMs} ms against a daemon with ` +
        `statement_timeout=250ms; ${timedOutActivations} activations reported ${alerts.length} alert requests timed out ` +
        `("${during.kinds["alert"]!.errors[0]!.message.replace(/^.*?: /, "")}") while all ${bundles.length} support bundles were created; ` +
        `after the release it converged on version ${report.sitrep.version} and stopped with exit 0; ${summary.line}`
    )
  })
})
