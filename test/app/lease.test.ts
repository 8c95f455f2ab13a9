import type { ChildProcess } from "node:child_process"
import { hostname } from "node:os"
import { describe, expect, it } from "vitest"
import { runFm, spawnFm, useFreshDatabase } from "../cli/harness.ts"
import { ids, sitrepDocument, writeDocument } from "../cli/sitreps.ts"

/**
 * Issue 25, item 7: one process per executor name, judged from the lease the database holds.
 * Real `fm run` processes: a second one under a live name is refused naming the holder, a killed
 * holder's name comes back once its lease expires, a stopped one's at once, and a process whose
 * lease was taken over while it was paused stops. `fm status` shows each executor's process.
 */
const databaseUrl = useFreshDatabase()

// A short lease, so a killed holder's expiry takes seconds; renewed every 2 s.
const LEASE = { FM_EXECUTOR_LEASE: "6s", FM_LOADER_POLL_INTERVAL: "100 millis", FM_ACTIVATION_PERIOD: "1 hour" }

interface Daemon {
  readonly child: ChildProcess
  readonly stderr: () => string
  readonly exited: Promise<number | null>
}

const start = (executor: string, env: Record<string, string> = LEASE): Daemon => {
  const child = spawnFm(["run", "--executor", executor, "--database-url", databaseUrl()], env)
  let stderr = ""
  child.stderr.on("data", (d) => (stderr += d))
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  return { child, stderr: () => stderr, exited }
}

const until = async <A>(what: string, probe: () => A | undefined, ms = 30_000): Promise<A> => {
  const started = Date.now()
  for (;;) {
    const got = probe()
    if (got !== undefined) return got
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const fm = (...args: ReadonlyArray<string>) => runFm([...args, "--database-url", databaseUrl()], { env: LEASE })

type Entry = { executor: string; process: Record<string, unknown> | null }
/** The executors' entries of a `fm status --json` document (an array, or `{ executors }` as GET /v1/status). */
const entriesOf = (doc: any): ReadonlyArray<Entry> => (Array.isArray(doc) ? doc : doc.executors)

/** The process `fm status --json --executor NAME` shows (null: none). */
const processOf = (executor: string) => {
  const r = fm("status", "--json", "--executor", executor)
  // Exit 1: the name has neither a report nor a lease (yet).
  if (r.code === 1 && r.stderr.startsWith(`No executor named ${executor} `)) return null
  expect(r.code, r.stderr).toBe(0)
  const entry = entriesOf(r.json()).find((e) => e.executor === executor)
  return entry?.process ?? null
}

const heldBy = (pid: number) => new RegExp(`^Executor name twin is held by another process, pid ${pid} on ${hostname()} since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\(its lease runs until [\\d:.TZ-]+ and is renewed while it runs\\): stop that process first, or wait for its lease to expire if it was killed\\.\n$`)

describe("one process per executor name (issue 25.7)", () => {
  it("refuses a second process under a live name, gives a killed holder's name back after its lease expires and a stopped one's at once", async () => {
    expect(fm("db", "migrate").code).toBe(0)
    expect(fm("sitrep", "publish", "--actor", "alice", "--role", "admin", writeDocument("lease1.json", sitrepDocument(ids.sitrep1, null, [ids.alert1]))).code).toBe(0)

    // A lease long enough that the refusal right after the SIGKILL below holds on a loaded machine
    // (an fm process can take seconds to start there).
    const first = start("twin", { ...LEASE, FM_EXECUTOR_LEASE: "15s" })
    await until("the first activation", () => (/message=activation .*sitrepVersion=1/.test(first.stderr()) ? true : undefined))
    const pid = first.child.pid!
    expect(first.stderr()).toContain(`message="executor twin started as pid ${pid} on ${hostname()}"`)

    // A second daemon and a one-shot activation under the name: refused (exit 1), one sentence.
    const second = fm("run", "--executor", "twin")
    expect(second.code).toBe(1)
    expect(second.stderr).toMatch(heldBy(pid))
    const once = fm("activate", "--executor", "twin")
    expect(once.code).toBe(1)
    expect(once.stderr).toMatch(heldBy(pid))
    // Another name is another lease.
    expect(fm("activate", "--executor", "other").code).toBe(0)
    // Its report cannot be forgotten while it runs.
    const forget = fm("executor", "forget", "twin", "--actor", "alice", "--role", "admin")
    expect(forget.code).toBe(1)
    expect(forget.stderr).toMatch(new RegExp(`^Executor twin is running \\(pid ${pid} on ${hostname()} since .*\\): stop it first; only a name no live process holds can be forgotten\\.\n$`))

    const running = processOf("twin")!
    expect(running).toMatchObject({ pid, host: hostname(), state: "running", live: true, releasedAt: null })
    expect(Date.parse(running["expiresAt"] as string)).toBeGreaterThan(Date.parse(running["renewedAt"] as string))
    const text = fm("status", "--executor", "twin")
    expect(text.stdout).toMatch(new RegExp(`^process: pid ${pid} on ${hostname()}, running since `, "m"))
    expect(text.stdout).not.toMatch(/executor:\s+other/)

    // Killed: nothing releases the lease; the name is refused until it expires, then comes back.
    first.child.kill("SIGKILL")
    await first.exited
    const killedAt = Date.now()
    const early = fm("run", "--executor", "twin")
    expect(early.code).toBe(1)
    expect(early.stderr).toMatch(heldBy(pid))
    await until("the killed holder's lease to expire", () => (processOf("twin")?.["state"] === "expired" ? true : undefined))
    expect(processOf("twin")).toMatchObject({ pid, live: false, releasedAt: null })
    const third = start("twin")
    await until("the restarted daemon", () => (/executor twin started/.test(third.stderr()) ? true : undefined))
    const back = Date.now() - killedAt
    console.log(`lease: a SIGKILLed holder's name came back to a new fm run after ${back} ms (FM_EXECUTOR_LEASE 15s)`)
    expect(back).toBeLessThan(15_000 + 20_000)
    expect(processOf("twin")).toMatchObject({ pid: third.child.pid, state: "running" })

    // Stopped (SIGTERM): the lease is released as the daemon stops; the name is free at once.
    third.child.kill("SIGTERM")
    expect(await third.exited).toBe(0)
    const stopped = processOf("twin")!
    expect(stopped).toMatchObject({ pid: third.child.pid, state: "stopped", live: false })
    expect(stopped["releasedAt"]).toEqual(expect.any(String))
    expect(fm("activate", "--executor", "twin").code).toBe(0)

    // Forgetting: admin only; then neither report nor lease is shown; a second time, nothing to forget.
    expect(fm("executor", "forget", "twin", "--actor", "victor", "--role", "viewer").code).toBe(1)
    const forgotten = fm("executor", "forget", "twin", "--actor", "alice", "--role", "admin", "--json")
    expect(forgotten.code, forgotten.stderr).toBe(0)
    expect(forgotten.json()).toEqual({ executor: "twin", forgotten: true })
    const gone = fm("status", "--executor", "twin")
    expect(gone.code).toBe(1)
    expect(gone.stderr).toBe("No executor named twin has reported an activation or holds its name; fm status lists those that have.\n")
    expect(fm("executor", "forget", "twin", "--actor", "alice", "--role", "admin").stderr).toBe("No executor named twin has a report or a lease to forget.\n")
    // The other executor's report and process are untouched.
    expect(processOf("other")).toMatchObject({ state: "stopped" })
    // About 25 fm processes in a row: more than the default two minutes on a loaded machine.
  }, 300_000)

  it("a daemon whose lease was taken over while it was paused stops (exit 1) and says by whom", async () => {
    const paused = start("paused", { ...LEASE, FM_EXECUTOR_LEASE: "2s" })
    // Its first report stored (the --json status lists executors by report), then paused.
    await until("the daemon's first report", () => (processOf("paused")?.["state"] === "running" ? true : undefined))
    paused.child.kill("SIGSTOP")
    await until("the paused daemon's lease to expire", () => (processOf("paused")?.["state"] === "expired" ? true : undefined))
    const successor = start("paused")
    await until("the successor", () => (/executor paused started/.test(successor.stderr()) ? true : undefined))
    paused.child.kill("SIGCONT")
    expect(await paused.exited).toBe(1)
    expect(paused.stderr()).toMatch(new RegExp(`Executor name paused was taken over by pid ${successor.child.pid} on ${hostname()} since .* after this process's lease expired unrenewed`))
    expect(processOf("paused")).toMatchObject({ pid: successor.child.pid, state: "running" })
    successor.child.kill("SIGTERM")
    expect(await successor.exited).toBe(0)
  })

  it("fm status --watch refreshes until interrupted: text, and one JSON document per line", async () => {
    expect(fm("status", "--interval", "5s").code).toBe(2)
    const zero = fm("status", "--watch", "--interval", "0s")
    expect(zero.code).toBe(2)
    expect(zero.stderr).toBe('--interval takes a duration of at least 1s, such as 5s, 1m or "10 seconds", not "0s".\n')
    for (const json of [true, false]) {
      const watch = spawnFm(["status", "--watch", "--interval", "1s", ...(json ? ["--json"] : []), "--database-url", databaseUrl()])
      let stdout = ""
      watch.stdout.on("data", (d) => (stdout += d))
      const exited = new Promise<number | null>((resolve) => watch.on("exit", (code) => resolve(code)))
      await until("three refreshes", () => ((stdout.match(json ? /\n/g : /^fm status at /gm) ?? []).length >= 3 ? true : undefined))
      watch.kill("SIGINT")
      expect(await exited).toBe(0)
      if (json) {
        const lines = stdout.trim().split("\n")
        for (const line of lines) expect(entriesOf(JSON.parse(line)).find((e) => e.executor === "other")).toMatchObject({ process: { state: "stopped" } })
      } else {
        expect(stdout).toMatch(/^fm status at \S+Z \(every 1s; Ctrl-C stops\)\ncurrent sitrep: /m)
      }
    }
  })
})
