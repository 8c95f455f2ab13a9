import { createServer, type Server, type Socket, connect } from "node:net"
import { coreTrack } from "@fm-rendezvous/adapters-sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { closedPort } from "../support/net.ts"
import { createTestDatabase } from "../support/postgres.ts"
import { alertAndBundleCases, FAST_DAEMON, type FaultWorld, faultWorld, freshIds, runFm, sleep, spawnFm, waitUntil } from "./harness.ts"

/**
 * Start-up against a database that is not there yet (SPEC 8.5; issue 21, issue 25 item 6): `fm run`
 * and `fm serve` wait for it, retrying with backoff and saying so once per change of condition;
 * `/readyz` answers 503 until it answers (naming `fm db migrate` while the schema is missing); only
 * what waiting cannot heal ends them (exit 2). One-shot commands keep exit 3 (cli/unavailable).
 */

/** A TCP relay from `port` to the real server: the database "appears" at that port. */
const relay = (port: number, target: URL): Promise<{ close: () => Promise<void> }> =>
  new Promise((done, fail) => {
    const sockets = new Set<Socket>()
    const server: Server = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname)
      for (const s of [client, upstream]) {
        sockets.add(s)
        s.on("error", () => {})
        s.on("close", () => sockets.delete(s))
      }
      client.pipe(upstream).pipe(client)
    })
    server.once("error", fail)
    server.listen(port, "127.0.0.1", () =>
      done({
        close: () =>
          new Promise((closed) => {
            for (const s of sockets) s.destroy()
            server.close(() => closed())
          })
      }))
  })

const onPort = (url: string, port: number): string => {
  const u = new URL(url)
  u.hostname = "127.0.0.1"
  u.port = String(port)
  return u.toString()
}

const waitingLines = (log: string) => log.split("\n").filter((l) => l.includes("waiting for the database"))

let world: FaultWorld
let unmigrated: Awaited<ReturnType<typeof createTestDatabase>>
beforeAll(async () => {
  world = await faultWorld()
  unmigrated = await createTestDatabase()
})
afterAll(async () => {
  await world?.close()
  await unmigrated?.drop()
})

describe("start-up while the database is not there yet", () => {
  it("fm run waits for a database that cannot be reached, logging it once, then activates", async () => {
    await world.publish(alertAndBundleCases(freshIds(5), freshIds(2)))
    const port = await closedPort()
    const daemon = spawnFm(["run", "--executor", "late-starter", "--database-url", onPort(world.url, port)], FAST_DAEMON)
    await daemon.waitForLog(/waiting for the database/)
    // Several attempts with backoff (200 ms, 400 ms, 800 ms...), one line: the condition did not change.
    await sleep(1500)
    expect(daemon.child.exitCode).toBeNull()
    const whileDown = waitingLines(daemon.stderr())
    expect(whileDown).toHaveLength(1)
    expect(whileDown[0]).toMatch(/level=WARN .*The database is unavailable, try again later: .*ECONNREFUSED/)

    const appeared = await relay(port, new URL(world.url))
    try {
      await daemon.waitForLog(/the database answers and its schema is current: starting/, 20_000)
      const report = await world.converged("late-starter", 30_000)
      expect(report.kinds["alert"]!.errorCount).toBe(0)
      expect(waitingLines(daemon.stderr())).toHaveLength(1)
      expect(await daemon.stop()).toBe(0)
    } finally {
      await appeared.close()
    }
  })

  it("fm serve on an unmigrated database: /readyz 503 naming fm db migrate, routes 503 with Retry-After, then serves", async () => {
    const port = await closedPort()
    const serve = spawnFm(["serve", "--listen", `127.0.0.1:${port}`, "--database-url", unmigrated.url])
    await serve.waitForLog(/waiting for the database/)
    const base = `http://127.0.0.1:${port}`
    const ready = await fetch(`${base}/readyz`)
    expect(ready.status).toBe(503)
    expect(ready.headers.get("retry-after")).toBe("1")
    expect(await ready.json()).toEqual({ error: "NotReady", message: "The database schema is missing or out of date; run fm db migrate." })
    const route = await fetch(`${base}/v1/me`, { headers: { authorization: "Bearer fm_nothing" } })
    expect(route.status).toBe(503)
    expect(route.headers.get("retry-after")).not.toBeNull()
    expect((await fetch(`${base}/healthz`)).status).toBe(200)
    await sleep(1500)
    expect(serve.child.exitCode).toBeNull()
    expect(waitingLines(serve.stderr())).toHaveLength(1)
    expect(serve.stderr()).not.toMatch(/42P01|sitrep_current/)

    expect(runFm(["db", "migrate", "--database-url", unmigrated.url]).code).toBe(0)
    await serve.waitForLog(/listening on http:\/\/127\.0\.0\.1:\d+/, 20_000)
    await waitUntil("/readyz to answer 200", async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined), 10_000)
    expect((await fetch(`${base}/v1/me`, { headers: { authorization: "Bearer fm_nothing" } })).status).toBe(401)
    expect(await serve.stop()).toBe(0)
  })

  it("gives up at once, exit 2, on what waiting cannot heal: an invalid URL, a schema newer than the program", async () => {
    for (const args of [["run", "--executor", "x"], ["serve", "--listen", "127.0.0.1:0"]]) {
      const invalid = runFm([...args, "--database-url", "mysql://root@127.0.0.1/x"])
      expect(invalid.code, invalid.stderr).toBe(2)
      expect(invalid.stderr.trim().split("\n").at(-1)).toMatch(/is not a PostgreSQL URL/)
    }
    const known = Math.max(...coreTrack.steps.map((step) => step.version))
    await world.sql((s) => s`UPDATE fm_schema_version SET version = 999 WHERE component = 'core'`)
    try {
      for (const args of [["run", "--executor", "x"], ["serve", "--listen", "127.0.0.1:0"]]) {
        const ahead = runFm([...args, "--database-url", world.url])
        expect(ahead.code, ahead.stderr).toBe(2)
        expect(ahead.stderr.trim().split("\n").at(-1)).toBe(
          `The database schema is newer than this program (core at version 999, this program knows ${known}): run a release that knows it.`
        )
      }
    } finally {
      await world.sql((s) => s`UPDATE fm_schema_version SET version = ${BigInt(known)} WHERE component = 'core'`)
    }
  })
})
