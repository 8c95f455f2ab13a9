import { describe, expect, it } from "vitest"
import { INVARIANTS } from "@fm-rendezvous/domain"
import { runFm, useFreshDatabase } from "../cli/harness.ts"

/** The main job (`npm start` = `fm simulate`), shortened, on a fresh database of the test server. */
const databaseUrl = useFreshDatabase()

describe("fm simulate", () => {
  it("exits 0 with every SPEC 4 invariant holding, checked against PostgreSQL", () => {
    const result = runFm(["simulate", "--steps", "30", "--seed", "7", "--json", "--database-url", databaseUrl()])
    // With --json and stdout not a terminal, the running log is not printed: stdout is the summary.
    expect(result.code).toBe(0)
    const summary = result.json()
    expect(summary.allHold).toBe(true)
    expect(summary.invariants.map((i: { name: string }) => i.name)).toEqual([...INVARIANTS])
    for (const invariant of summary.invariants) expect(invariant, invariant.name).toMatchObject({ holds: true })
    expect(summary.sitrepsPublished).toBeGreaterThan(10)
    expect(summary.created.alert).toBeGreaterThan(0)
    expect(summary.staleActivations).toBeGreaterThan(0)
  })

  it("refuses a database that already has history", () => {
    const again = runFm(["simulate", "--steps", "5", "--database-url", databaseUrl()])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain("empty database")
  })

  it("prints the running log and the invariant summary in plain words, deterministically for a seed", () => {
    const run = () => runFm(["simulate", "--steps", "20", "--seed", "3", "--database-url", "memory:"])
    const first = run()
    expect(first.code).toBe(0)
    for (const name of INVARIANTS) expect(first.stdout).toMatch(new RegExp(`${name}:\\s+pass`))
    expect(first.stdout).toContain("All invariants hold.")
    expect(first.stdout).toContain("stale, created nothing")
    const strip = (s: string) => s.replace(/duration:.*\n/, "")
    expect(strip(run().stdout)).toBe(strip(first.stdout))
  })

  it("says which invariants a run too short never exercised, without calling them broken", () => {
    const short = runFm(["simulate", "--steps", "3", "--database-url", "memory:"])
    expect(short.code, short.stderr).toBe(0)
    expect(short.stdout).toMatch(/Authorization:\s+not exercised\s+\(0 checks\)/)
    expect(short.stdout).not.toContain("FAIL")
    expect(short.stdout).toContain("No invariant was violated; those not exercised need a longer run.")
    expect(short.stderr).toMatch(/^No invariant was violated, but 3 steps never exercised .*Authorization.*: run more steps \(the default is 60\) to check them\.$/m)
  })
})
