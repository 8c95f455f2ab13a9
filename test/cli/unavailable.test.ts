import { describe, expect, it } from "vitest"
import { closedPort } from "../support/net.ts"
import { runFm } from "./harness.ts"

describe("fm against a database that cannot be reached (SPEC 8.5)", () => {
  it("exits 3, unavailable and safe to retry, with one sentence and the --json error document", async () => {
    const url = `postgres://postgres@127.0.0.1:${await closedPort()}/postgres`
    for (const args of [["status"], ["sitrep", "show"], ["db", "migrate"]]) {
      const result = runFm([...args, "--database-url", url])
      expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(3)
      const lines = result.stderr.trim().split("\n")
      expect(lines.at(-1)).toMatch(/^The database is unavailable, try again later: .*\.$/)
    }
    const json = runFm(["status", "--json", "--database-url", url])
    expect(json.code).toBe(3)
    expect(json.json()).toEqual({ error: "Unavailable", message: json.stderr.trim().split("\n").at(-1) })
  })
})
