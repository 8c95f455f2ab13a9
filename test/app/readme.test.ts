import type { ChildProcess } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { fmAsync } from "../api/harness.ts"
import { spawnFm, useFreshDatabase } from "../cli/harness.ts"
import { closedPort } from "../support/net.ts"

/**
 * The README's walk-through, run as written (issue 25, "Done means"): the lines between its
 * `walk-through` markers are read from README.md and run in order, so the README cannot drift
 * from what `fm` does. Replaced: the database URL (by a fresh test database), the port (by a free
 * one), and the demo's embedded database (by another fresh one: initdb would cost more than the
 * whole walk-through). `npx fm` and `node_modules/.bin/fm` run the current sources (support/
 * fmBin.ts), `curl` is fetch. The daemon and the server are started once, by their lines.
 */
const README = join(import.meta.dirname, "../../README.md")
const PLACEHOLDER_URL = "postgres://fm@db.example:5432/fm"
const PLACEHOLDER_LISTEN = "127.0.0.1:8080"

const walkThrough = (): Array<string> => {
  const block = /<!-- walk-through: begin -->\n```sh\n([\s\S]*?)\n```\n<!-- walk-through: end -->/.exec(readFileSync(README, "utf8"))
  if (block === null) throw new Error("README.md has no walk-through block between its markers")
  return block[1]!.split("\n").map((line) => line.replace(/\s+#\s.*$/, "").trim()).filter((line) => line !== "")
}

/** Shell words: "double quoted" (with $VAR), 'single quoted', bare (with $VAR). */
const words = (line: string, env: Record<string, string>): Array<string> => {
  const expand = (text: string) => text.replace(/\$(\w+)/g, (_m, name: string) => env[name] ?? "")
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => (m[1] !== undefined ? expand(m[1]) : m[2] ?? expand(m[3]!)))
}

/** The `fm` arguments of a line that runs fm, else undefined. */
const fmArgsOf = (argv: ReadonlyArray<string>): Array<string> | undefined =>
  argv[0] === "npx" && argv[1] === "fm" ? argv.slice(2) : argv[0] === "node_modules/.bin/fm" ? argv.slice(1) : undefined

interface Ran {
  readonly line: string
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const background: Array<{ child: ChildProcess; log: () => string; exited: Promise<number | null> }> = []
afterAll(() => {
  for (const b of background) b.child.kill("SIGKILL")
})

/** Waits until `ready` holds of the process's stderr. */
const until = async (what: string, log: () => string, ready: (log: string) => boolean, ms = 60_000) => {
  const deadline = Date.now() + ms
  while (!ready(log())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen in ${ms} ms:\n${log()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const demoUrl = useFreshDatabase()
const databaseUrl = useFreshDatabase()

describe("the README's walk-through", () => {
  it("runs as written: the demo, a real database, a token, the daemon, the server, publish, status, list, delete, explain, history, prune", async () => {
    const started = Date.now()
    const port = await closedPort()
    const env: Record<string, string> = {}
    const ran: Array<Ran> = []
    let daemonLog = () => ""
    const timings: Array<string> = []
    for (const original of walkThrough()) {
      const stepStarted = Date.now()
      const took = () => timings.push(`${((Date.now() - stepStarted) / 1000).toFixed(1)} s  ${original.slice(0, 60)}`)
      const line = original.replaceAll(PLACEHOLDER_URL, databaseUrl()).replaceAll(PLACEHOLDER_LISTEN, `127.0.0.1:${port}`)
      const exported = /^export (\w+)=\$\((.*)\)$/.exec(line)
      if (exported !== null) {
        const args = fmArgsOf(words(exported[2]!, env))
        expect(args, original).toBeDefined()
        const result = await fmAsync(args!, env)
        expect(result.code, `${original}\n${result.stderr}`).toBe(0)
        env[exported[1]!] = result.stdout.trim()
        ran.push({ line: original, code: result.code, stdout: result.stdout, stderr: result.stderr })
        took()
        continue
      }
      const argv = words(line.replace(/\s*&$/, ""), env)
      if (argv[0] === "export") {
        for (const assignment of argv.slice(1)) {
          const [name, ...value] = assignment.split("=")
          env[name!] = value.join("=")
        }
        continue
      }
      if (argv[0] === "curl") {
        const headers: Record<string, string> = {}
        const urls: Array<string> = []
        for (let i = 1; i < argv.length; i++) {
          if (argv[i] === "-H") {
            const [name, ...value] = argv[++i]!.split(":")
            headers[name!.trim().toLowerCase()] = value.join(":").trim()
          } else urls.push(argv[i]!)
        }
        expect(urls, original).toHaveLength(1)
        const response = await fetch(urls[0]!, { headers })
        ran.push({ line: original, code: response.ok ? 0 : 22, stdout: await response.text(), stderr: "" })
        took()
        continue
      }
      const args = fmArgsOf(argv)
      if (args === undefined) throw new Error(`The walk-through has a line this test cannot run: ${original}`)
      if (line.endsWith("&")) {
        const child = spawnFm(args, env)
        let stderr = ""
        child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
        const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)))
        background.push({ child, log: () => stderr, exited })
        if (args[0] === "serve") await until("fm serve listening", () => stderr, (log) => /listening on http:\/\//.test(log))
        if (args[0] === "run") daemonLog = () => stderr
        took()
        continue
      }
      // The demo runs on a database of its own: the embedded one in the README.
      const result = await fmAsync(args, args[0] === "simulate" ? { ...env, DATABASE_URL: demoUrl() } : env)
      expect(result.code, `${original}\n${result.stderr}`).toBe(0)
      ran.push({ line: original, code: result.code, stdout: result.stdout, stderr: result.stderr })
      // As a person typing would: the next line comes after the daemon took the new sitrep.
      const published = /as version (\d+) /.exec(result.stdout)
      if (args[0] === "sitrep" && args[1] === "publish" && published !== null) {
        await until(`nexus-1's activation with version ${published[1]}`, daemonLog, (log) => new RegExp(`message=activation .*sitrepVersion=${published[1]} `).test(log))
      }
      took()
    }

    // What each step must have said; every step named here is in the README.
    const output = (prefix: string) => {
      const found = ran.find((r) => r.line.startsWith(prefix))
      expect(found, `the walk-through has no line starting ${prefix}`).toBeDefined()
      return found!.stdout
    }
    const deleted = "c3f1a2b4-6d7e-4f80-9a1b-2c3d4e5f6a01"
    expect(output("npx fm simulate")).toMatch(/All invariants hold\./)
    expect(env["FM_TOKEN"]).toMatch(/^fm_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/)
    expect(output("npx fm sitrep publish examples/sitrep-1.json")).toMatch(/^Published sitrep 0d6c9a8e-2f1b-4c4e-9d55-3b1c2a7f8e01 as version 1 /)
    expect(output("npx fm status")).toMatch(/nexus-1/)
    expect(output("npx fm alert list")).toContain(deleted)
    expect(output("npx fm alert delete")).toMatch(/^Deleted alert/)
    expect(output("npx fm explain")).toMatch(/alice/)
    expect(output("npx fm sitrep publish --delta")).toMatch(/ as version 2 /)
    expect(output("npx fm sitrep list").trim().split("\n").slice(1).map((l) => l.split(/\s+/)[0])).toEqual(["2", "1"])
    expect(output("npx fm sitrep prune")).toMatch(/history now holds versions 2 to 2\./)
    // Issue 25.5: the audit record, newest first: the prune, the delta, the delete, the first publish, by alice.
    const audit = output("npx fm audit").trim().split("\n").slice(1).map((l) => l.split(/\s{2,}/).slice(1).join(" | "))
    expect(audit.slice(0, 4)).toEqual([
      "alice | prune | history (keep 1: removed 1 version) | pruned",
      expect.stringMatching(/^alice \| publish \| sitrep \S+ \(version 2\) \| published$/),
      `alice | delete | alert ${deleted} | deleted`,
      "alice | publish | sitrep 0d6c9a8e-2f1b-4c4e-9d55-3b1c2a7f8e01 (version 1) | published"
    ])
    const alerts = JSON.parse(output(`curl -H "Authorization`))
    expect(alerts.items.map((a: { id: string }) => a.id)).not.toContain(deleted)
    expect(alerts.items.length).toBeGreaterThan(0)
    // docs/OPERATIONS.md: fm serve has its own request metrics, the executor metrics are fm run's.
    const families = new Set(output(`curl "$FM_SERVER/metrics"`).split("\n").filter((l) => l.startsWith("# TYPE ")).map((l) => l.split(" ")[2]))
    expect([...families].sort()).toEqual(["fm_http_request_duration_seconds", "fm_http_requests_total"])

    // "kill %1 %2": both stop gracefully on SIGTERM and exit 0.
    for (const b of background) b.child.kill("SIGTERM")
    expect(await Promise.all(background.map((b) => b.exited))).toEqual([0, 0])
    console.log(`README walk-through: ${ran.length} steps in ${((Date.now() - started) / 1000).toFixed(1)} s\n${timings.join("\n")}`)
  })
})
