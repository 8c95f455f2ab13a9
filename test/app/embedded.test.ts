import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { runFm } from "../cli/harness.ts"
import { ids, sitrepDocument, writeDocument } from "../cli/sitreps.ts"

/** SPEC 7.2: with no --database-url and no DATABASE_URL, an embedded PostgreSQL under ./.fm-rendezvous/. */
const project = mkdtempSync(join(tmpdir(), "fm-embedded-"))
const fm = (args: ReadonlyArray<string>) => runFm(args, { cwd: project })

/** The cluster's data directory: under the project, or where .fm-rendezvous/README says. */
const dataDirectory = () => {
  const note = join(project, ".fm-rendezvous", "README")
  return existsSync(note) ? /in (\S+): /.exec(readFileSync(note, "utf8"))![1]! : join(project, ".fm-rendezvous", "pgdata")
}

afterAll(() => {
  rmSync(join(dataDirectory(), ".."), { recursive: true, force: true })
  rmSync(project, { recursive: true, force: true })
})

describe("the embedded database", () => {
  it("is created on first use, reused next time, and stopped after each command", () => {
    const first = fm(["sitrep", "publish", "--actor", "alice", "--role", "admin", writeDocument("e1.json", sitrepDocument(ids.sitrep1, null, [ids.alert1])), "--json"])
    expect(first.code, first.stderr).toBe(0)
    expect(first.json().version).toBe(1)
    expect(existsSync(join(dataDirectory(), "PG_VERSION"))).toBe(true)
    expect(existsSync(join(dataDirectory(), "postmaster.pid"))).toBe(false)

    const again = fm(["sitrep", "show", "--json"])
    expect(again.code).toBe(0)
    expect(again.json().id).toBe(ids.sitrep1)
    expect(existsSync(join(dataDirectory(), "postmaster.pid"))).toBe(false)
  })
})
