import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { admin, type Misuse, misuseCorpus } from "../corpus/misuse.ts"
import { BASE, S } from "../corpus/sitreps.ts"
import { dumpWithoutTokens } from "./dump.ts"
import { fmAsync, useServer } from "./harness.ts"

/**
 * The command-line misuse corpus (test/corpus/misuse.ts) replayed through `fm --server` (issue
 * 10): every case that applies to the operator commands gets the same exit code and the same
 * sentence as in direct mode, on the same database, and writes nothing. The tokens are named
 * alice (admin) and victor (viewer), like the direct-mode actors, so the sentences agree; a case
 * that claims the viewer role goes with victor's token, every other with alice's.
 */
const world = useServer()
const dir = mkdtempSync(join(tmpdir(), "fm-api-misuse-"))
const child = join(dir, "child.json")

/**
 * The misuses that exist only in direct mode, and why. The patterns match case names of the
 * corpus; a pattern that matches none fails the test below, so a renamed case is not lost.
 */
const directOnly: ReadonlyArray<readonly [RegExp, string]> = [
  [/by an anonymous caller$/, "over the API nobody is anonymous: without a token the command line refuses before any request (exit 2, tested in cli.test.ts), a bad token is a 401"],
  [/claiming to be fm-executor$/, "no token may be named fm-executor (SPEC 8.2), and --actor does not exist with --server"],
  [/with an actor but no role$/, "--actor and --role do not exist with --server: the token names who acts and its role"],
  [/^a viewer named by the environment$/, "FM_ACTOR and FM_ROLE are refused with --server, whatever they say"],
  [/^an unknown role( in the environment)?$/, "roles come from tokens over the API; --role and FM_ROLE are refused with --server"],
  [/^a missing --executor$|^a held version 0$|^holding a version that does not exist$/, "fm activate has no API: with --server it is refused whatever its arguments (cli.test.ts)"],
  [/^a database URL that is not PostgreSQL$/, "the command line reads no database URL when it goes through the API"]
]
const reasonFor = (m: Misuse) => directOnly.find(([pattern]) => pattern.test(m.name))?.[1]

/** The same command through the API: the actor flags give way to the matching token. */
const remoteArgs = (m: Misuse): { args: ReadonlyArray<string>; token: () => string } => {
  const args: Array<string> = []
  let role = "admin"
  for (let i = 0; i < m.args.length; i++) {
    if (m.args[i] === "--actor" || m.args[i] === "--role") {
      if (m.args[i] === "--role") role = m.args[i + 1]!
      i++
    } else args.push(m.args[i]!)
  }
  return { args, token: role === "viewer" ? world.viewer : world.admin }
}

const corpus = misuseCorpus(child)

beforeAll(async () => {
  const base = join(dir, "base.json")
  writeFileSync(base, JSON.stringify(BASE))
  writeFileSync(child, JSON.stringify({ ...BASE, id: S(2), parentId: S(1) }))
  expect((await fmAsync(["sitrep", "publish", base, ...admin, "--database-url", world.url()])).code).toBe(0)
  expect((await fmAsync(["activate", "--executor", "nexus-1", "--database-url", world.url()])).code).toBe(0)
})

describe("the command-line misuse corpus through fm --server", () => {
  it("names a reason for every case it does not replay, and each reason matches a case", () => {
    for (const [pattern] of directOnly) expect(corpus.some((m) => pattern.test(m.name)), String(pattern)).toBe(true)
    // Most of the corpus applies to the operator commands.
    expect(corpus.filter((m) => reasonFor(m) === undefined).length).toBeGreaterThan(corpus.length / 2)
  })

  for (const m of corpus.filter((c) => reasonFor(c) === undefined)) {
    it(`${m.name}: exit ${m.exit} and the direct-mode sentence, nothing written`, async () => {
      const before = await dumpWithoutTokens(world.url())
      const { args, token } = remoteArgs(m)
      const [direct, remote] = await Promise.all([
        fmAsync([...m.args, "--database-url", world.url()], m.env ?? {}),
        fmAsync([...args, "--server", world.server().base, "--token", token()])
      ])
      expect(direct.code, direct.stderr).toBe(m.exit)
      expect({ code: remote.code, stdout: remote.stdout, stderr: remote.stderr }).toEqual({ code: m.exit, stdout: "", stderr: direct.stderr })
      expect(remote.stderr.trim().split("\n")).toHaveLength(1)
      expect(remote.stderr).toMatch(m.message)
      expect(await dumpWithoutTokens(world.url())).toBe(before)
    })
  }
})
