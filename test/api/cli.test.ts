import * as net from "node:net"
import { beforeAll, describe, expect, it } from "vitest"
import { ids, sitrepDocument, writeDocument } from "../cli/sitreps.ts"
import { DELETE_OUTCOME_HEADER, decodeDeleteReport } from "@fm-rendezvous/app/shared/deleteReport"
import { call, fmAsync, useServer } from "./harness.ts"

/**
 * The command line as a client (SPEC 8.5): the same commands through `--server` print the same
 * text, the same --json documents and the same exit codes as in direct mode. The admin token is
 * named alice, like the direct-mode actor, so the documents that name the actor agree.
 */
const world = useServer()
const admin = ["--actor", "alice", "--role", "admin"]
const direct = (args: ReadonlyArray<string>, actor: ReadonlyArray<string> = []) => fmAsync([...args, ...actor, "--database-url", world.url()])
const remote = (args: ReadonlyArray<string>, token = world.admin()) => fmAsync([...args, "--server", world.server().base, "--token", token])

const same = async (args: ReadonlyArray<string>, actor: ReadonlyArray<string> = []) => {
  const [d, r] = await Promise.all([direct(args, actor), remote(args)])
  expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }, args.join(" ")).toEqual({ code: d.code, stdout: d.stdout, stderr: d.stderr })
  return r
}

describe("fm --server", () => {
  beforeAll(async () => {
    const published = await remote(["sitrep", "publish", writeDocument("api-cli-1.json", sitrepDocument(ids.sitrep1, null, [ids.alert1, ids.alert2]))])
    expect(published.code, published.stderr).toBe(0)
    expect(published.stdout).toMatch(/^Published sitrep 11111111-1111-4111-8111-111111111111 as version 1 \(alerts generation 1, support bundles generation 1\)\.\n$/)
    expect((await direct(["activate", "--executor", "nexus-1"])).code).toBe(0)
  })

  it("reads the same as direct mode, in text and in JSON", async () => {
    for (const args of [
      ["sitrep", "show"],
      ["sitrep", "show", "1"],
      ["alert", "list"],
      ["alert", "list", "--limit", "1", "--after", ids.alert1],
      ["alert", "show", ids.alert1],
      ["bundle", "list"],
      ["explain", ids.alert1],
      ["explain", ids.unknown],
      ["status"]
    ]) {
      await Promise.all([same(args), same([...args, "--json"])])
    }
  }, 600_000)

  it("refuses alike, with the same sentence and exit code", async () => {
    for (const args of [
      ["sitrep", "show", "7"],
      ["sitrep", "show", "0"],
      ["alert", "show", ids.unknown],
      ["alert", "show", "nope"],
      ["explain", "123"],
      ["bundle", "comment", ids.bundle1, "c".repeat(4097)],
      ["alert", "delete", ids.unknown]
    ]) {
      await Promise.all([same(args, admin), same([...args, "--json"], admin)])
    }
    const viewer = await remote(["alert", "delete", ids.alert1], world.viewer())
    expect(viewer.code).toBe(1)
    expect(viewer.stderr.trim()).toBe(`victor has the viewer role; deleting alert ${ids.alert1} needs admin.`)
  }, 600_000)

  it("changes through the API with the token's name as the actor", async () => {
    const commented = await same(["bundle", "comment", ids.bundle1, "looked at it", "--json"], admin)
    expect(commented.json()).toEqual({ id: ids.bundle1, kind: "support_bundle", userComment: "looked at it" })
    const deleted = await remote(["alert", "delete", ids.alert1, "--json"])
    expect(deleted.code).toBe(0)
    expect(deleted.json()).toEqual({ id: ids.alert1, kind: "alert", outcome: "deleted", fmCreated: true, by: "alice" })
    expect((await direct(["explain", ids.alert1, "--json"])).json().deleted.by).toBe("alice")
    const pruned = await remote(["sitrep", "prune", "--keep", "1", "--json"])
    expect(pruned.code).toBe(0)
    expect(pruned.json()).toMatchObject({ keep: 1, removedVersions: 0, removedSitreps: 0 })
  })

  it("says what a delete and a prune did, as direct mode does", async () => {
    // The first delete removes the alert (its marker becomes a tombstone); a second finds it deleted.
    const first = await remote(["alert", "delete", ids.alert2])
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toBe("Deleted alert; its creation marker is now a tombstone, so FM will not re-create it.\n")
    for (const args of [["alert", "delete", ids.alert2], ["alert", "delete", ids.alert2, "--json"], ["sitrep", "prune", "--keep", "5"], ["sitrep", "prune", "--keep", "5", "--json"]]) {
      const d = await direct(args, admin)
      const r = await remote(args)
      expect({ code: r.code, stdout: r.stdout }, args.join(" ")).toEqual({ code: d.code, stdout: d.stdout })
    }
    expect((await remote(["alert", "delete", ids.alert2])).stdout).toMatch(/^The alert was already deleted at \S+ by alice; nothing changed\.\n$/)
    expect((await remote(["sitrep", "prune", "--keep", "5"])).stdout).toMatch(/ in \d+ pages?; history now holds versions 1 to 1\.\n$/)
  })

  it("refuses --actor and --role with --server, and a missing token", async () => {
    const claimed = await fmAsync(["alert", "list", "--server", world.server().base, "--token", world.admin(), ...admin])
    expect(claimed.code).toBe(2)
    expect(claimed.stderr.trim()).toBe("--actor and --role do not exist with --server: the token names who acts (unset FM_ACTOR and FM_ROLE).")
    const tokenless = await fmAsync(["alert", "list", "--server", world.server().base])
    expect(tokenless.code).toBe(2)
    const bad = await remote(["alert", "list"], "fm_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    expect(bad.code).toBe(1)
    expect(bad.stderr.trim()).toMatch(/refused the token/)
  })

  it("takes the token from FM_TOKEN or a file, and the server from FM_SERVER", async () => {
    const file = writeDocument("api-cli-token.txt", `${world.viewer()}\n`)
    const fromFile = await fmAsync(["status", "--server", world.server().base, "--token-file", file])
    expect(fromFile.code, fromFile.stderr).toBe(0)
    const fromEnv = await fmAsync(["status"], { FM_SERVER: world.server().base, FM_TOKEN: world.viewer() })
    expect(fromEnv.code, fromEnv.stderr).toBe(0)
    expect(fromEnv.stdout).toBe(fromFile.stdout)
  })

  it("exits 3 when the server cannot be reached or does not answer", async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const port = (s.address() as net.AddressInfo).port
        s.close(() => resolve(port))
      })
    })
    const refused = await fmAsync(["status", "--server", `http://127.0.0.1:${closed}`, "--token", world.viewer()])
    expect(refused.code, refused.stderr).toBe(3)
    expect(refused.stderr.trim().split("\n")).toHaveLength(1)
    // A server that accepts connections and never answers.
    const silent = net.createServer(() => {}).listen(0, "127.0.0.1")
    await new Promise((r) => silent.once("listening", r))
    try {
      const port = (silent.address() as net.AddressInfo).port
      const timedOut = await fmAsync(["status", "--server", `http://127.0.0.1:${port}`, "--token", world.viewer()], { FM_CLIENT_TIMEOUT: "1 second" })
      expect(timedOut.code, timedOut.stderr).toBe(3)
    } finally {
      silent.close()
    }
  })

  it("refuses --server on the commands that have no API, and ignores FM_SERVER there", async () => {
    const sentence = "This command has no API and works on the database only: drop --server (FM_SERVER is ignored here)."
    for (const args of [
      ["activate", "--executor", "nexus-1"],
      ["run", "--executor", "nexus-1"],
      ["db", "migrate"],
      ["token", "create", "mallory", "--role", "admin"],
      ["token", "list"],
      ["token", "revoke", "victor"],
      ["simulate", "--steps", "1"],
      ["serve", "--listen", "127.0.0.1:0"]
    ]) {
      const refused = await fmAsync([...args, "--server", world.server().base, "--token", world.admin(), "--database-url", world.url()])
      expect({ code: refused.code, stderr: refused.stderr, stdout: refused.stdout }, args.join(" ")).toEqual({ code: 2, stderr: `${sentence}\n`, stdout: "" })
    }
    // Nothing was written: no token was created or revoked.
    const tokens = await direct(["token", "list", "--json"])
    expect(tokens.code, tokens.stderr).toBe(0)
    expect(JSON.stringify(tokens.json())).not.toContain("mallory")
    expect((await remote(["status"], world.viewer())).code).toBe(0)
    // An operator who exported FM_SERVER still reaches the database with the commands that have no API.
    const activated = await fmAsync(["activate", "--executor", "nexus-1", "--database-url", world.url()], { FM_SERVER: "http://127.0.0.1:1" })
    expect(activated.code, activated.stderr).toBe(0)
    const listed = await fmAsync(["token", "list", "--database-url", world.url()], { FM_SERVER: "http://127.0.0.1:1" })
    expect(listed.code, listed.stderr).toBe(0)
  })

  it("a malformed --listen (or FM_LISTEN) is bad usage whose example is the API's port, not the metrics port", async () => {
    const flag = await fmAsync(["serve", "--listen", "8080", "--database-url", world.url()])
    expect({ code: flag.code, stdout: flag.stdout, stderr: flag.stderr }).toEqual({
      code: 2,
      stdout: "",
      stderr: '--listen (or FM_LISTEN) takes HOST:PORT (such as 127.0.0.1:8080), not "8080".\n'
    })
    const env = await fmAsync(["serve", "--database-url", world.url()], { FM_LISTEN: "localhost:99999" })
    expect({ code: env.code, stderr: env.stderr }).toEqual({ code: 2, stderr: '--listen (or FM_LISTEN) takes HOST:PORT (such as 127.0.0.1:8080), not "localhost:99999".\n' })
  })

  it("prints with --json, in both modes, the documents the API answers: status, prune, delete and a refusal (issue 25.8)", async () => {
    const base = world.server().base
    const status = await call(base, "GET", "/v1/status", { token: world.viewer() })
    expect(status.status).toBe(200)
    expect(Object.keys(status.json()).sort()).toEqual(["currentSitrep", "executors", "reconciled"])
    expect(status.json().executors.length).toBeGreaterThan(0)
    for (const cli of await Promise.all([direct(["status", "--json"]), remote(["status", "--json"])])) expect(cli.json()).toEqual(status.json())

    // Pruned to the same keep twice over: the second finds nothing more to remove, in either mode or through the API.
    expect((await direct(["sitrep", "prune", "--keep", "5"], admin)).code).toBe(0)
    const pruned = await call(base, "POST", "/v1/sitreps/prune", { token: world.admin(), body: { keep: 5 } })
    expect(pruned.status).toBe(200)
    expect(Object.keys(pruned.json()).sort()).toEqual(["history", "keep", "pages", "removedSitreps", "removedVersions"])
    for (const cli of [await direct(["sitrep", "prune", "--keep", "5", "--json"], admin), await remote(["sitrep", "prune", "--keep", "5", "--json"])]) {
      expect(cli.json()).toEqual(pruned.json())
    }

    // The header says what the CLI's document says: its outcome word, its details as parameters.
    const destroyed = await call(base, "DELETE", `/v1/support-bundles/${ids.bundle1}`, { token: world.admin() })
    expect(destroyed.status).toBe(204)
    expect(destroyed.headers.get(DELETE_OUTCOME_HEADER)).toBe(`destroying;state="destroying";fm-created`)
    const again = await call(base, "DELETE", `/v1/support-bundles/${ids.bundle1}`, { token: world.admin() })
    expect(again.status).toBe(204)
    const header = again.headers.get(DELETE_OUTCOME_HEADER)!
    const [d, r] = [await direct(["bundle", "delete", ids.bundle1, "--json"], admin), await remote(["bundle", "delete", ids.bundle1, "--json"])]
    expect(r.json()).toEqual(d.json())
    const { id, kind, by, ...report } = d.json()
    expect({ id, kind, by }).toEqual({ id: ids.bundle1, kind: "support_bundle", by: "alice" })
    expect(report).toEqual({ outcome: "alreadyDeleted", deletedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), deletedBy: "alice" })
    expect(decodeDeleteReport(header)).toEqual(report)
    expect(header).toBe(`alreadyDeleted;deleted-at="${report.deletedAt}";deleted-by="alice"`)

    // A refusal: the CLI's --json error document is the API's refusal body, word for word.
    const missing = await call(base, "GET", `/v1/alerts/${ids.unknown}`, { token: world.viewer() })
    expect(missing.status).toBe(404)
    for (const cli of await Promise.all([direct(["alert", "show", ids.unknown, "--json"]), remote(["alert", "show", ids.unknown, "--json"])])) {
      expect(cli.code).toBe(1)
      expect(cli.json()).toEqual(missing.json())
    }
  })

  it("lists sitrep history newest first, paged, the same in both modes (issue 25.11)", async () => {
    // Two more versions on top of what the tests above left (version 1, alert1 deleted).
    const child2 = await remote(["sitrep", "publish", writeDocument("api-cli-2.json", sitrepDocument(ids.sitrep2, ids.sitrep1, [ids.alert2], { comment: "second\tline" }))])
    expect(child2.code, child2.stderr).toBe(0)
    const child3 = await remote(["sitrep", "publish", writeDocument("api-cli-3.json", sitrepDocument(ids.sitrep3, ids.sitrep2, [ids.alert2, ids.alert3]))])
    expect(child3.code, child3.stderr).toBe(0)
    for (const args of [["sitrep", "list"], ["sitrep", "list", "--limit", "2"], ["sitrep", "list", "--all"]]) {
      await Promise.all([same(args), same([...args, "--json"])])
    }
    const all = await remote(["sitrep", "list", "--json"])
    expect(all.json().items.map((e: any) => e.version)).toEqual([3, 2, 1])
    expect(all.json().nextPageToken).toBeNull()
    expect(Object.keys(all.json().items[0]).sort()).toEqual(["comment", "creatorId", "generations", "id", "parentId", "publishedBy", "timeCreated", "version"])
    // Issue 25.4: the publisher is the token's name, the document's creatorId the planner's label.
    expect([all.json().items[0].publishedBy, all.json().items[0].creatorId]).toEqual(["alice", "planner-1"])
    // The API's page is the same document.
    const api = await call(world.server().base, "GET", "/v1/sitreps", { token: world.viewer() })
    expect(api.json()).toEqual(all.json())
    const text = await direct(["sitrep", "list"])
    expect(text.stdout.split("\n")[0]).toMatch(/^version +id +created +by +planner's label +generations +comment$/)
    expect(text.stdout).toContain(`3        ${ids.sitrep3}`)
    expect(text.stdout).toContain("second line")

    // Cut short: said on stderr, continued with the token, in either mode and through the API.
    const first = await same(["sitrep", "list", "--limit", "2", "--json"])
    expect(first.json().items.map((e: any) => e.version)).toEqual([3, 2])
    const token = first.json().nextPageToken as string
    expect(first.stderr).toBe(`Showing the newest 2 versions; there are older ones: --all lists every one, --page-token ${token} (the nextPageToken of --json) continues.\n`)
    const rest = await same(["sitrep", "list", "--page-token", token, "--json"])
    expect(rest.json()).toEqual({ items: [all.json().items[2]], nextPageToken: null })
    const apiRest = await call(world.server().base, "GET", `/v1/sitreps?limit=2&page_token=${token}`, { token: world.viewer() })
    expect(apiRest.json()).toEqual(rest.json())

    for (const args of [["sitrep", "list", "--limit", "0"], ["sitrep", "list", "--limit", "2", "--all"], ["sitrep", "list", "--page-token", "nope"]]) {
      const refused = await same(args)
      expect(refused.code, args.join(" ")).toBe(2)
      expect(refused.stdout).toBe("")
    }
  })
})
