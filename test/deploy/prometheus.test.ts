import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"

/**
 * The alert rules operators load (deploy/prometheus/), checked by Prometheus's own tools:
 * `promtool check rules` parses them, `promtool test rules` evaluates them over the series in
 * fm-rendezvous.rules.test.yml. Every rule must have a case where it fires and one where it stays
 * silent, and every runbook link must land on a section of docs/OPERATIONS.md. promtool comes
 * from Debian's `prometheus` package (.ci/apt.d/deploy.txt).
 */
const ROOT = path.resolve(import.meta.dirname, "../..")
const RULES = path.join(ROOT, "deploy/prometheus/fm-rendezvous.rules.yml")
const FIXTURES = path.join(import.meta.dirname, "fm-rendezvous.rules.test.yml")
const promtool = (args: ReadonlyArray<string>) => spawnSync("promtool", args, { cwd: ROOT, encoding: "utf8", timeout: 60_000 })

const rulesText = fs.readFileSync(RULES, "utf8")
const alertNames = [...rulesText.matchAll(/^\s*- alert: (\w+)$/gm)].map((m) => m[1]!)

/** GitHub's anchor of a Markdown heading. */
const anchorOf = (heading: string) => heading.trim().toLowerCase().replace(/[^\w\- ]/g, "").replace(/ /g, "-")

describe("deploy/prometheus: the alert rules", () => {
  it("are the four of SPEC 9's watch list, no executor reporting, and the API's 5xx rate", () => {
    expect(alertNames).toEqual([
      "FmExecutionLagging",
      "FmMarkerCollectionStuck",
      "FmExecutorStale",
      "FmStoreErrorsRising",
      "FmNoExecutorReporting",
      "FmApiServerErrors"
    ])
  })

  it("pass promtool check rules", () => {
    const check = promtool(["check", "rules", RULES])
    expect(check.stdout + check.stderr).toContain(`SUCCESS: ${alertNames.length} rules found`)
    expect(check.status).toBe(0)
  })

  it("fire and stay silent as promtool test rules expects, and every rule has both cases", () => {
    const test = promtool(["test", "rules", FIXTURES])
    expect(test.stdout + test.stderr).toContain("SUCCESS")
    expect(test.status, test.stdout + test.stderr).toBe(0)
    // Each `alertname:` line of the fixtures is followed by its exp_alerts: `[]` is a silent case.
    const cases = [...fs.readFileSync(FIXTURES, "utf8").matchAll(/alertname: (\w+)\n\s*exp_alerts:( \[\])?/g)]
    for (const name of alertNames) {
      const mine = cases.filter((c) => c[1] === name)
      expect({ name, fires: mine.some((c) => c[2] === undefined), silent: mine.some((c) => c[2] !== undefined) })
        .toEqual({ name, fires: true, silent: true })
    }
  })

  it("link each alert to its runbook section in docs/OPERATIONS.md, which no longer carries the rules inline", () => {
    const operations = fs.readFileSync(path.join(ROOT, "docs/OPERATIONS.md"), "utf8")
    const anchors = new Set([...operations.matchAll(/^#{2,4} (.+)$/gm)].map((m) => anchorOf(m[1]!)))
    const links = [...rulesText.matchAll(/runbook_url: (\S+)/g)].map((m) => m[1]!)
    expect(links).toHaveLength(alertNames.length)
    for (const [i, link] of links.entries()) {
      expect(link).toBe(`docs/OPERATIONS.md#${alertNames[i]!.toLowerCase()}`)
      expect(anchors.has(link.split("#")[1]!), link).toBe(true)
    }
    expect(operations).not.toMatch(/- alert: Fm/)
    expect(operations).toContain("deploy/prometheus/fm-rendezvous.rules.yml")
  })
})
