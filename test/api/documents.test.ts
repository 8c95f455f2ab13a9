import { readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { decodeSitrepDelta, decodeSitrepDocument, defaultKinds, makeRegistry, applySitrepDelta, sitrepDelta } from "@fm-rendezvous/domain"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { useFreshDatabase } from "../cli/harness.ts"
import { call, fmAsync, useServer } from "./harness.ts"

/**
 * The two document formats of docs/DOCUMENTS.md (SPEC 7.1, 7.1a), published as the examples/
 * files are, through the command line in direct mode and through the API: the full second
 * document on one database, the delta on the other, must leave the same sitrep. Retries are
 * answered as published (issue 25, item 3).
 */
const example = (name: string) => join(import.meta.dirname, "../../examples", name)
const read = (name: string) => JSON.parse(readFileSync(example(name), "utf8"))
const registry = makeRegistry(defaultKinds)
const world = useServer()
const directUrl = useFreshDatabase()
const direct = (args: ReadonlyArray<string>) => fmAsync([...args, "--actor", "alice", "--role", "admin", "--database-url", directUrl()])
const remote = (args: ReadonlyArray<string>) => fmAsync([...args, "--server", world.server().base, "--token", world.admin()])
const withoutTime = ({ timeCreated: _t, ...rest }: Record<string, unknown>) => rest

describe("the document formats and their examples", () => {
  it("delta-2.json is the delta of sitrep-2.json against sitrep-1.json, and gives it back", () => {
    const [one, two] = [read("sitrep-1.json"), read("sitrep-2.json")].map((d) => Result.getOrThrow(decodeSitrepDocument(registry)(d)))
    const delta = Result.getOrThrow(decodeSitrepDelta(registry)(read("delta-2.json")))
    expect(sitrepDelta(registry, one!, two!)).toEqual(delta)
    expect(Result.getOrThrow(applySitrepDelta(registry, one!, delta))).toEqual(two)
  })

  it("publishes the full documents through the command line and the delta through the API to the same sitrep", async () => {
    expect((await fmAsync(["db", "migrate", "--database-url", directUrl()])).code).toBe(0)
    for (const file of ["sitrep-1.json", "sitrep-2.json"]) {
      const published = await direct(["sitrep", "publish", example(file)])
      expect(published.code, published.stderr).toBe(0)
    }
    const first = await call(world.server().base, "POST", "/v1/sitreps", { token: world.admin(), body: read("sitrep-1.json") })
    expect(first.status, first.text).toBe(201)
    const second = await call(world.server().base, "POST", "/v1/sitreps", { token: world.admin(), body: read("delta-2.json") })
    expect(second.status, second.text).toBe(201)
    expect(second.json()).toEqual({ id: read("delta-2.json").id, version: 2, generations: { alert: 2, support_bundle: 1 }, alreadyPublished: false })
    const viaCli = (await direct(["sitrep", "show", "--json"])).json()
    const viaApi = (await call(world.server().base, "GET", "/v1/sitreps/current", { token: world.admin() })).json()
    expect(withoutTime(viaApi)).toEqual(withoutTime(viaCli))
    expect(viaCli.cases.map((c: any) => c.id)).toEqual(read("sitrep-2.json").cases.map((c: any) => c.id))
  })

  it("answers a retried publish as published, in either form and either mode, and refuses the id with other content", async () => {
    const d = await direct(["sitrep", "publish", example("sitrep-2.json")])
    expect(d.code, d.stderr).toBe(0)
    expect(d.stdout).toBe(`Already published: sitrep ${read("sitrep-2.json").id} as version 2 (alerts generation 2, support bundles generation 1).\n`)
    const r = await remote(["sitrep", "publish", "--delta", example("delta-2.json"), "--json"])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json()).toEqual({ id: read("sitrep-2.json").id, version: 2, generations: { alert: 2, support_bundle: 1 }, alreadyPublished: true })
    const api = await call(world.server().base, "POST", "/v1/sitreps", { token: world.admin(), body: read("sitrep-2.json") })
    expect(api.status, api.text).toBe(201)
    expect(api.json().alreadyPublished).toBe(true)
    const other = await call(world.server().base, "POST", "/v1/sitreps", { token: world.admin(), body: { ...read("sitrep-2.json"), comment: "something else" } })
    expect(other.status).toBe(400)
    expect(other.json().message).toBe(
      `The sitrep cannot be published: sitrep ${read("sitrep-2.json").id} was published before (version 2) with other content; a sitrep id is never reused, so give this one a new id.`
    )
  })

  it("tells the two forms apart: each is refused where the other is expected", async () => {
    const full = await direct(["sitrep", "publish", "--delta", example("sitrep-2.json")])
    expect({ code: full.code, stderr: full.stderr }).toEqual({
      code: 2,
      stderr: `${example("sitrep-2.json")} is not a delta document: it has no changes field (publish a full document without --delta).\n`
    })
    const delta = await remote(["sitrep", "publish", example("delta-2.json")])
    expect({ code: delta.code, stderr: delta.stderr }).toEqual({
      code: 2,
      stderr: `${example("delta-2.json")} is a delta document (it has a changes field): publish it with --delta.\n`
    })
  })
})

describe("inputs (issue 25.9)", () => {
  it("fm sitrep show --json, edited as docs/DOCUMENTS.md says, publishes as the next sitrep in either mode", async () => {
    const modes = [
      { name: "direct", fm: direct, id: "0d6c9a8e-2f1b-4c4e-9d55-3b1c2a7f8e13", alert: "c3f1a2b4-6d7e-4f80-9a1b-2c3d4e5f6a13" },
      { name: "remote", fm: remote, id: "0d6c9a8e-2f1b-4c4e-9d55-3b1c2a7f8e14", alert: "c3f1a2b4-6d7e-4f80-9a1b-2c3d4e5f6a14" }
    ]
    for (const mode of modes) {
      const shown = await mode.fm(["sitrep", "show", "--json"])
      expect(shown.code, shown.stderr).toBe(0)
      // Drop version, timeCreated and publishedBy, parentId is its id, a new id, no generations, edit the cases.
      const { version, timeCreated: _t, publishedBy: _p, generations: _g, ...stored } = shown.json()
      const [first, ...others] = stored.cases
      const child = {
        ...stored,
        id: mode.id,
        parentId: stored.id,
        comment: `edited from fm sitrep show --json (${mode.name})`,
        cases: [{ ...first, alertRequests: [...first.alertRequests, { id: mode.alert, class: "hardware.fan.failure", payload: { shelf: 2 }, comment: "" }] }, ...others]
      }
      const file = join(tmpdir(), `fm-child-${mode.name}-${process.pid}.json`)
      writeFileSync(file, JSON.stringify(child, null, 2))
      const published = await mode.fm(["sitrep", "publish", file, "--json"])
      expect(published.code, published.stderr).toBe(0)
      expect(published.json()).toMatchObject({ id: mode.id, version: version + 1, alreadyPublished: false })
      const after = (await mode.fm(["sitrep", "show", "--json"])).json()
      expect(after.parentId).toBe(stored.id)
      expect(after.cases[0].alertRequests.map((r: any) => r.id)).toContain(mode.alert)
    }
  })

  it("a token's role comes from --role only: FM_ROLE=admin does not make an admin token", async () => {
    const silent = await fmAsync(["token", "create", "carol", "--database-url", directUrl()], { FM_ROLE: "admin" })
    expect({ code: silent.code, stdout: silent.stdout, stderr: silent.stderr }).toEqual({
      code: 2,
      stdout: "",
      stderr: "fm token create needs --role admin or --role viewer on its command line (FM_ROLE is not read here).\n"
    })
    const viewer = await fmAsync(["token", "create", "carol", "--role", "viewer", "--json", "--database-url", directUrl()], { FM_ROLE: "admin" })
    expect(viewer.code, viewer.stderr).toBe(0)
    expect(viewer.json().role).toBe("viewer")
  })
})
