import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type FaultWorld, faultWorld, alertAndBundleCases, freshIds, startDaemon, waitUntil } from "./harness.ts"

/**
 * Fault: the executor process is killed with SIGKILL in the middle of an activation (a large
 * sitrep in small guarded batches, so the activation takes a while), an operator deletes some of
 * what it had created, and the executor is restarted. Nothing may be half-written (every marker has
 * its row), nothing lost (it converges), nothing resurrected (the deleted ids stay deleted).
 */
let world: FaultWorld
beforeAll(async () => {
  world = await faultWorld()
})
afterAll(() => world?.close())

const counts = () =>
  world.sql((sql) =>
    sql<{ markers: bigint; rows: bigint; orphans: bigint }>`
      SELECT (SELECT count(*) FROM alert_marker) AS markers, (SELECT count(*) FROM alert) AS rows,
        (SELECT count(*) FROM alert_marker m WHERE m.time_deleted IS NULL AND NOT EXISTS (SELECT 1 FROM alert a WHERE a.id = m.resource_id)) AS orphans`
  ).then((r) => ({ markers: Number(r[0]!.markers), rows: Number(r[0]!.rows), orphans: Number(r[0]!.orphans) }))

describe("fault: executor killed with SIGKILL", () => {
  it("mid-activation, then restarted: nothing half-written, lost or resurrected", async () => {
    world.sampleProgress()
    const alerts = freshIds(4000)
    const bundles = freshIds(100)
    await world.publish(alertAndBundleCases(alerts, bundles))

    // A short name lease (issue 25): the restart below waits for the killed process's to expire.
    const first = startDaemon(world, "daemon-x", { FM_BATCH_SIZE: "10", FM_EXECUTOR_LEASE: "2s" })
    await waitUntil("the first activation to be under way", async () => ((await counts()).markers >= 400 ? true : undefined), 30_000, 10)
    first.child.kill("SIGKILL")
    const exit = await first.exited
    expect(exit.signal).toBe("SIGKILL")
    const atKill = await counts()
    // Killed mid-activation: some but not all created, and each batch all-or-nothing.
    expect(atKill.markers).toBeLessThan(alerts.length)
    expect(atKill.rows).toBe(atKill.markers)
    expect(atKill.orphans).toBe(0)
    const progressAtKill = await world.sql((sql) => sql<{ n: bigint }>`SELECT count(*) AS n FROM execution_progress WHERE kind = 'alert' AND executed_generation IS NOT NULL`)
    expect(Number(progressAtKill[0]!.n)).toBe(0) // progress only advances when every request is accounted for

    // While it is down, an operator deletes some of what it created.
    const created = await world.sql((sql) => sql<{ id: string }>`SELECT id FROM alert ORDER BY id LIMIT 25`)
    for (const { id } of created) expect(await world.operatorDelete("alert", id)).toBe("Remove")

    // SIGKILL released nothing: the name is the killed process's until its lease expires by the
    // database's clock (a restart before that is refused, test/app/lease.test.ts).
    const lease = async () =>
      (await world.sql((sql) => sql<{ released: boolean; expired: boolean }>`SELECT released_at IS NOT NULL AS released, expires_at <= now() AS expired
        FROM executor_lease WHERE executor = 'daemon-x'`))[0]!
    expect((await lease()).released).toBe(false)
    await waitUntil("the killed daemon's lease to expire", async () => ((await lease()).expired ? true : undefined), 10_000, 100)
    const second = startDaemon(world, "daemon-x", { FM_BATCH_SIZE: "200" })
    const report = await world.converged("daemon-x", 60_000)
    const summary = await world.check()
    expect(await second.stop()).toBe(0)
    const tombstoned = report.kinds["alert"]!.tombstoned
    expect(tombstoned).toBe(created.length)
    console.log(
      `fault sigkill: injected SIGKILL into fm run mid-activation with ${atKill.markers}/${alerts.length} alerts created ` +
        `(${atKill.rows} rows, ${atKill.orphans} half-written, progress not advanced); an operator deleted ${created.length} of them; ` +
        `the restarted daemon created ${report.kinds["alert"]!.created} more, skipped ${tombstoned} as deleted, found ` +
        `${report.kinds["alert"]!.alreadyExisted} existing, converged on version ${report.sitrep.version}; ${summary.line}`
    )
  })
})
