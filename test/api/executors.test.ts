import { hostname } from "node:os"
import { describe, expect, it } from "vitest"
import { spawnFm } from "../cli/harness.ts"
import { sitrepDocument } from "../cli/sitreps.ts"
import { ids } from "../cli/sitreps.ts"
import { call, fmAsync, useServer } from "./harness.ts"

/**
 * Issue 25, items 7 and 11, through `fm serve`: GET /v1/status shows each executor's process;
 * DELETE /v1/status/executors/{name} (admin) forgets an old executor, refused (409) while a live
 * process holds the name; `fm status --executor` and `fm executor forget` give the same through
 * `--server` as in direct mode.
 */
const world = useServer()

const direct = (args: ReadonlyArray<string>) => fmAsync([...args, "--database-url", world.url()])
const remote = (args: ReadonlyArray<string>, token = world.admin()) => fmAsync([...args, "--server", world.server().base, "--token", token])

type Entry = { executor: string; process: Record<string, unknown> | null }
const entriesOf = (doc: any): ReadonlyArray<Entry> => (Array.isArray(doc) ? doc : doc.executors)

describe("executors through the API (issue 25)", () => {
  it("shows each executor's process, forgets an old one, and refuses to forget a running one", async () => {
    const base = world.server().base
    expect((await call(base, "POST", "/v1/sitreps", { token: world.admin(), body: sitrepDocument(ids.sitrep1, null, [ids.alert1]) })).status).toBe(201)
    expect((await direct(["activate", "--executor", "old-1"])).code).toBe(0)

    const status = await call(base, "GET", "/v1/status", { token: world.viewer() })
    expect(status.status).toBe(200)
    const old = (status.json().executors as ReadonlyArray<Entry>).find((e) => e.executor === "old-1")!
    expect(old.process).toMatchObject({ host: hostname(), state: "stopped", live: false })
    expect(old.process!["releasedAt"]).toEqual(expect.any(String))

    // The CLI through the API prints what direct mode prints.
    const one = await remote(["status", "--executor", "old-1", "--json"], world.viewer())
    expect(one.code, one.stderr).toBe(0)
    const viaDirect = await direct(["status", "--executor", "old-1", "--json"])
    expect(entriesOf(one.json())).toEqual(entriesOf(viaDirect.json()))
    const unknown = await remote(["status", "--executor", "nobody"], world.viewer())
    expect([unknown.code, unknown.stderr]).toEqual([1, "No executor named nobody has reported an activation or holds its name; fm status lists those that have.\n"])

    // A running daemon's name: 409 with the sentence, the CLI's exit 1 with the same.
    const daemon = spawnFm(["run", "--executor", "live-1", "--database-url", world.url()], { FM_LOADER_POLL_INTERVAL: "100 millis" })
    let log = ""
    daemon.stderr.on("data", (d) => (log += d))
    const exited = new Promise<number | null>((resolve) => daemon.on("exit", (code) => resolve(code)))
    for (let i = 0; i < 300 && !/executor live-1 started/.test(log); i++) await new Promise((r) => setTimeout(r, 100))
    const live = await call(base, "DELETE", "/v1/status/executors/live-1", { token: world.admin() })
    expect(live.status).toBe(409)
    expect(live.json()).toMatchObject({ error: "Refused" })
    expect(live.json().message).toMatch(new RegExp(`^Executor live-1 is running \\(pid ${daemon.pid} on ${hostname()} since .*\\): stop it first; only a name no live process holds can be forgotten\\.$`))
    const refused = await remote(["executor", "forget", "live-1"])
    // The same sentence (the lease's end moves with each renewal).
    const untilless = (text: string) => text.trim().replace(/lease until \S+\)/, "lease until ...)")
    expect([refused.code, untilless(refused.stderr)]).toEqual([1, untilless(live.json().message)])
    const running = entriesOf((await remote(["status", "--json"], world.viewer())).json()).find((e) => e.executor === "live-1")!
    expect(running.process).toMatchObject({ pid: daemon.pid, state: "running", live: true })
    daemon.kill("SIGTERM")
    expect(await exited).toBe(0)

    // A viewer may not forget; an admin may, once; then the name is unknown.
    expect((await call(base, "DELETE", "/v1/status/executors/old-1", { token: world.viewer() })).status).toBe(403)
    expect((await call(base, "DELETE", "/v1/status/executors/old-1", { token: world.admin() })).status).toBe(204)
    const again = await call(base, "DELETE", "/v1/status/executors/old-1", { token: world.admin() })
    expect([again.status, again.json().message]).toEqual([404, "No executor named old-1 has a report or a lease to forget."])
    const forgotten = await remote(["executor", "forget", "live-1", "--json"])
    expect([forgotten.code, forgotten.json()]).toEqual([0, { executor: "live-1", forgotten: true }])
    const after = (await call(base, "GET", "/v1/status", { token: world.viewer() })).json().executors as ReadonlyArray<Entry>
    expect(after.map((e) => e.executor)).toEqual([])
    // Real processes on a shared machine: more than the default two minutes under load.
  }, 240_000)
})
