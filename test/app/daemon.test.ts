import { describe, expect, it } from "vitest"
import { runFm, spawnFm, useFreshDatabase } from "../cli/harness.ts"
import { ids, sitrepDocument, writeDocument } from "../cli/sitreps.ts"

/** `fm run`: activates as soon as a new sitrep appears, logs one line per activation, stops cleanly. */
const databaseUrl = useFreshDatabase()

const waitFor = (read: () => string, pattern: RegExp, ms: number) =>
  new Promise<void>((resolve, reject) => {
    const started = Date.now()
    const poll = setInterval(() => {
      if (pattern.test(read())) {
        clearInterval(poll)
        resolve()
      } else if (Date.now() - started > ms) {
        clearInterval(poll)
        reject(new Error(`timed out waiting for ${pattern}; output so far:\n${read()}`))
      }
    }, 50)
  })

describe("fm run", () => {
  it("picks up new sitreps at once and stops on SIGTERM without losing the report", async () => {
    const url = databaseUrl()
    expect(runFm(["db", "migrate", "--database-url", url]).code).toBe(0)
    expect(runFm(["sitrep", "publish", "--actor", "alice", "--role", "admin", writeDocument("d1.json", sitrepDocument(ids.sitrep1, null, [ids.alert1])), "--database-url", url]).code).toBe(0)

    const daemon = spawnFm(["run", "--executor", "daemon-1", "--database-url", url, "--json"], {
      FM_ACTIVATION_PERIOD: "1 hour",
      FM_LOADER_POLL_INTERVAL: "100 millis"
    })
    let stdout = ""
    let stderr = ""
    daemon.stdout.on("data", (d) => (stdout += d))
    daemon.stderr.on("data", (d) => (stderr += d))
    const exited = new Promise<number | null>((resolve) => daemon.on("exit", (code) => resolve(code)))

    await waitFor(() => stderr, /"message":"activation".*"sitrepVersion":1/, 30_000)
    const second = sitrepDocument(ids.sitrep2, ids.sitrep1, [ids.alert1, ids.alert2])
    expect(runFm(["sitrep", "publish", "--actor", "alice", "--role", "admin", writeDocument("d2.json", second), "--database-url", url]).code).toBe(0)
    // The period is an hour: only the loader can have triggered this activation.
    await waitFor(() => stderr, /"message":"activation".*"sitrepVersion":2/, 30_000)

    daemon.kill("SIGTERM")
    expect(await exited).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({ executor: "daemon-1", stopped: true, heldVersion: 2 })
    const activationLines = stderr.split("\n").filter((l) => l.includes('"message":"activation"'))
    expect(activationLines).toHaveLength(2)

    const status = runFm(["status", "--json", "--database-url", url]).json().executors
    expect(status[0]).toMatchObject({ executor: "daemon-1", sitrep: { version: 2 } })
    // Generation 2 added one request; the one carried from generation 1 (executed) is not re-executed.
    expect(status[0].kinds.alert).toMatchObject({ created: 1, alreadyExisted: 0, executedThrough: 2 })
  })
})

describe("fm run, idle (issue 25.11)", () => {
  it("logs an activation that did something at INFO, and the idle ones after it not at all (DEBUG)", async () => {
    const url = databaseUrl()
    expect(runFm(["db", "migrate", "--database-url", url]).code).toBe(0)
    const daemon = spawnFm(["run", "--executor", "idle-1", "--database-url", url], {
      FM_ACTIVATION_PERIOD: "300 millis",
      FM_LOADER_POLL_INTERVAL: "100 millis",
      FM_RECONCILE_EVERY: "1000",
      FM_RECONCILE_INTERVAL: "1 hour",
      // Housekeeping every 300 ms keeping one version: a line when it prunes, none when it does not.
      FM_HOUSEKEEPING_PERIOD: "300 millis",
      FM_HISTORY_KEEP: "1"
    })
    let stderr = ""
    daemon.stderr.on("data", (d) => (stderr += d))
    const exited = new Promise<number | null>((resolve) => daemon.on("exit", (code) => resolve(code)))
    // The database holds version 2 from the test above, executed and reconciled by daemon-1: the
    // daemon's activations of it are idle. A new sitrep with one more alert is work: one INFO line.
    await waitFor(() => stderr, /message="loaded sitrep version 2"/, 30_000)
    const third = sitrepDocument(ids.sitrep3, ids.sitrep2, [ids.alert1, ids.alert2, ids.alert3])
    expect(runFm(["sitrep", "publish", "--actor", "alice", "--role", "admin", writeDocument("d3.json", third), "--database-url", url]).code).toBe(0)
    await waitFor(() => stderr, /message=activation .*executor=idle-1 sitrepVersion=3 alert="gen=3 created=1/, 30_000)
    await new Promise((r) => setTimeout(r, 500))
    const first = runFm(["status", "--json", "--database-url", url]).json()
    const entries = (Array.isArray(first) ? first : first.executors) as Array<{ executor: string; activatedAt: string }>
    const firstAt = entries.find((e) => e.executor === "idle-1")!.activatedAt
    await new Promise((r) => setTimeout(r, 2_000))
    const later = runFm(["status", "--json", "--database-url", url]).json()
    const laterEntries = (Array.isArray(later) ? later : later.executors) as Array<{ executor: string; activatedAt: string; kinds: Record<string, { skipped: boolean }> }>
    const last = laterEntries.find((e) => e.executor === "idle-1")!
    // Activations went on (a later report, every kind skipped) without a line of their own.
    expect(Date.parse(last.activatedAt)).toBeGreaterThan(Date.parse(firstAt))
    expect(Object.values(last.kinds).every((k) => k.skipped)).toBe(true)
    daemon.kill("SIGTERM")
    expect(await exited).toBe(0)
    expect(stderr.split("\n").filter((l) => l.includes("message=activation "))).toHaveLength(1)
    // Version 1 pruned at start, version 2 once 3 was published: two lines, for a dozen runs or more.
    expect(stderr.split("\n").filter((l) => l.includes('message="history pruned"'))).toHaveLength(2)
  })
})
