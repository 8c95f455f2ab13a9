import type { Command } from "effect/cli"
import { describe, expect, it } from "vitest"
import { fmCommand } from "../../packages/app/src/cli/main.ts"
import { fmAsync } from "../api/harness.ts"

/**
 * Each command's --help lists the shared flags it takes and no other (issue 25.12): the API's
 * flags (--server, --token, --token-file) and the direct-mode actor (--actor, --role) only where
 * the command goes through the API; `fm token create` takes --role as the role it grants. The
 * refusal of --server by the commands that have no API is cli.test.ts's.
 */
const leaves = (command: Command.Command.Any, path: ReadonlyArray<string> = []): Array<ReadonlyArray<string>> => {
  const subcommands = command.subcommands.flatMap((group) => group.commands)
  return subcommands.length === 0 ? [path] : subcommands.flatMap((sub) => leaves(sub, [...path, sub.name]))
}

// What the commands are, said here independently of how the command line marks them.
const WITH_API = ["sitrep publish", "sitrep show", "sitrep list", "sitrep prune", "status", "explain", "executor forget", "audit", "alert list", "alert show", "alert delete", "bundle list", "bundle show", "bundle delete", "bundle comment"]
const API_FLAGS = ["--actor", "--role", "--server", "--token", "--token-file"]

/** The flags a help's INHERITED FLAGS section names. */
const inherited = (help: string): Array<string> => {
  const section = /INHERITED FLAGS\n([\s\S]*?)\n\n/.exec(help)
  return section === null ? [] : section[1]!.split("\n").map((line) => line.trim().split(/\s+/)[0]!)
}

describe("--help lists the shared flags a command takes", () => {
  const paths = leaves(fmCommand).map((p) => p.join(" "))

  it("covers every command the API has, and some that it has not", () => {
    for (const name of WITH_API) expect(paths).toContain(name)
    for (const name of ["activate", "run", "db migrate", "token create", "token list", "serve", "simulate"]) expect(paths).toContain(name)
  })

  it("each command's help: the API's flags where it goes through the API, the database's everywhere", async () => {
    const helps = await Promise.all(paths.map(async (path) => ({ path, answer: await fmAsync([...path.split(" "), "--help"]) })))
    for (const { path, answer } of helps) {
      expect(answer.code, `${path}: ${answer.stderr}`).toBe(0)
      const flags = inherited(answer.stdout)
      const expected = WITH_API.includes(path)
        ? ["--json", "--database-url", ...API_FLAGS]
        : path === "token create"
        ? ["--json", "--database-url", "--role"]
        : ["--json", "--database-url"]
      expect(flags.sort(), path).toEqual(expected.sort())
    }
    const create = helps.find((h) => h.path === "token create")!.answer.stdout
    expect(create).toMatch(/--role choice +The role the new token grants/)
  })
})
