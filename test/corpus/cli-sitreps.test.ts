import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { runFm, useFreshDatabase } from "../cli/harness.ts"
import { dumpDatabase } from "../support/dump.ts"
import { BASE, corpus } from "./sitreps.ts"

/**
 * The hostile sitrep corpus through the real `fm sitrep publish` (issue 5): for every case one
 * sentence on stderr, the documented exit code, nothing on stdout, and the database byte for byte
 * as it was. Refusals write nothing, so one database per setup serves every case.
 */
const empty = useFreshDatabase()
const withParent = useFreshDatabase()
const dir = mkdtempSync(join(tmpdir(), "fm-corpus-"))
const admin = ["--actor", "alice", "--role", "admin"]

beforeAll(() => {
  for (const url of [empty(), withParent()]) {
    const migrated = runFm(["db", "migrate", "--database-url", url])
    expect(migrated.code, migrated.stderr).toBe(0)
  }
  const base = join(dir, "base.json")
  writeFileSync(base, JSON.stringify(BASE))
  expect(runFm(["sitrep", "publish", base, ...admin, "--database-url", withParent()]).code).toBe(0)
})

describe("hostile sitrep documents, end to end", () => {
  corpus.forEach((c, i) => {
    it(`${c.name}: exit ${c.exit}, one sentence, nothing written`, async () => {
      const url = c.setup === "parent" ? withParent() : empty()
      const file = join(dir, `case-${i}.json`)
      writeFileSync(file, c.raw ?? JSON.stringify(c.document))
      const before = await dumpDatabase(url)
      const result = runFm(["sitrep", "publish", file, ...admin, "--database-url", url])
      expect(result.code).toBe(c.exit)
      expect(result.stdout).toBe("")
      const stderr = result.stderr.trim()
      expect(stderr.split("\n")).toHaveLength(1)
      expect(stderr).toMatch(c.raw === undefined ? c.message : new RegExp(c.message.source))
      expect(await dumpDatabase(url)).toBe(before)
    })
  })
})
