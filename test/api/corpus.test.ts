import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { BASE, corpus } from "../corpus/sitreps.ts"
import { dumpWithoutTokens } from "./dump.ts"
import { call, fmAsync, useServer } from "./harness.ts"

/**
 * The hostile sitrep corpus replayed through the API and through `fm --server` (issue 10): the
 * same refusals as direct mode (test/corpus/cli-sitreps.test.ts checks the same expectations
 * there), the same sentence from the API as from the command line, and nothing written.
 */
const empty = useServer()
const withParent = useServer()
const dir = mkdtempSync(join(tmpdir(), "fm-api-corpus-"))

beforeAll(async () => {
  const published = await call(withParent.server().base, "POST", "/v1/sitreps", { token: withParent.admin(), body: BASE })
  expect(published.status, published.text).toBe(201)
})

const statusesFor = (exit: number): ReadonlyArray<number> => (exit === 2 ? [400] : [403, 404, 409])

describe("the hostile sitrep corpus through the API and fm --server", () => {
  corpus.forEach((c, i) => {
    it(`${c.name}: refused alike, nothing written`, async () => {
      const world = c.setup === "parent" ? withParent : empty
      const before = await dumpWithoutTokens(world.url())
      const body = c.raw ?? JSON.stringify(c.document)
      const answer = await call(world.server().base, "POST", "/v1/sitreps", { token: world.admin(), body })
      expect(statusesFor(c.exit), answer.text).toContain(answer.status)
      expect(Object.keys(answer.json()).sort()).toEqual(["error", "message"])

      const file = join(dir, `case-${i}.json`)
      writeFileSync(file, body)
      const cli = await fmAsync(["sitrep", "publish", file, "--server", world.server().base, "--token", world.admin()])
      expect(cli.code, cli.stderr).toBe(c.exit)
      expect(cli.stdout).toBe("")
      const stderr = cli.stderr.trim()
      expect(stderr.split("\n")).toHaveLength(1)
      expect(stderr).toMatch(c.raw === undefined ? c.message : new RegExp(c.message.source))
      // A document that parses reaches the server, whose sentence the command line prints as is.
      if (c.raw === undefined) {
        expect(answer.json().message).toMatch(c.message)
        expect(stderr).toBe(answer.json().message)
      }
      // A syntax error: the server words it as the command line does of the file (issue 25.9).
      if (c.raw !== undefined && c.raw.length > 0 && /is not valid JSON/.test(stderr)) {
        expect(answer.status).toBe(400)
        expect(answer.json().message).toBe(stderr.replace(`${file} is`, "The request body is"))
      }
      expect(await dumpWithoutTokens(world.url())).toBe(before)
    })
  })
})
