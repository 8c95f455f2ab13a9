import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { runFm, useFreshDatabase } from "../cli/harness.ts"
import { dumpDatabase } from "../support/dump.ts"
import { admin, alert, misuseCorpus, viewer } from "./misuse.ts"
import { BASE, S } from "./sitreps.ts"

/**
 * Command-line misuse and authorization (issue 5): unknown commands and flags, invalid ids and
 * versions, missing or wrong roles, operators claiming the executors' identity. Each gets the
 * documented exit code, one sentence, nothing on stdout (or one JSON error document with
 * --json), and leaves the database as it was.
 */
const database = useFreshDatabase()
const dir = mkdtempSync(join(tmpdir(), "fm-misuse-"))
const child = join(dir, "child.json")
const misuse = misuseCorpus(child)

beforeAll(() => {
  const url = database()
  const base = join(dir, "base.json")
  writeFileSync(base, JSON.stringify(BASE))
  writeFileSync(child, JSON.stringify({ ...BASE, id: S(2), parentId: S(1) }))
  expect(runFm(["db", "migrate", "--database-url", url]).code).toBe(0)
  expect(runFm(["sitrep", "publish", base, ...admin, "--database-url", url]).code).toBe(0)
  expect(runFm(["activate", "--executor", "nexus-1", "--database-url", url]).code).toBe(0)
})

const oneSentence = (stderr: string) => {
  const lines = stderr.trim().split("\n")
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(/[.?!]$/)
  expect(stderr).not.toMatch(/at .*\.ts:\d+|FiberFailure|SchemaError\(/)
}

describe("command-line misuse and authorization, end to end", () => {
  for (const m of misuse) {
    it(`${m.name}: exit ${m.exit}, one sentence, nothing written`, async () => {
      const url = database()
      const before = await dumpDatabase(url)
      const args = m.args.includes("--database-url") ? m.args : [...m.args, "--database-url", url]
      const result = runFm(args, { env: m.env ?? {} })
      expect(result.code, result.stderr).toBe(m.exit)
      expect(result.stdout).toBe("")
      oneSentence(result.stderr)
      expect(result.stderr).toMatch(m.message)
      expect(await dumpDatabase(url)).toBe(before)
    })
  }

  it("with --json a refusal is one JSON error document on stdout", async () => {
    const url = database()
    const before = await dumpDatabase(url)
    const result = runFm(["alert", "delete", alert, ...viewer, "--json", "--database-url", url])
    expect(result.code).toBe(1)
    // The API's refusal envelope (SPEC 8.4), exactly: the exit code is the process's.
    expect(result.json()).toEqual({ error: "NotAuthorized", message: result.stderr.trim() })
    oneSentence(result.stderr)
    expect(await dumpDatabase(url)).toBe(before)
  })

  it("an admin's delete does change the database (the comparisons above can see a write)", async () => {
    const url = database()
    const before = await dumpDatabase(url)
    expect(runFm(["alert", "delete", alert, ...admin, "--database-url", url]).code).toBe(0)
    expect(await dumpDatabase(url)).not.toBe(before)
  })
})
