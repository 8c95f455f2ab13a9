import { beforeAll, describe, expect, it } from "vitest"
import { runFm } from "../cli/harness.ts"
import { ids, sitrepDocument, writeDocument } from "../cli/sitreps.ts"
import { call, fmAsync, useServer } from "./harness.ts"

/**
 * Issue 25.4 and 25.5 through a real `fm serve` and the command line in both modes: the publisher
 * is the token's name (or the direct-mode actor), never the document's creatorId, which stays the
 * planner's label; every done operator action is in the audit record, shown by `fm audit`,
 * `GET /v1/audit` (admin) and `fm explain`, also after the deleted alert's marker was collected.
 */
const world = useServer()
const bob = ["--actor", "bob", "--role", "admin"]
const direct = (args: ReadonlyArray<string>) => fmAsync([...args, "--database-url", world.url()])
const remote = (args: ReadonlyArray<string>, token = world.admin()) => fmAsync([...args, "--server", world.server().base, "--token", token])
const api = (path: string, token = world.admin()) => call(world.server().base, "GET", path, { token })

describe("who published, and the audit record (issue 25.4, 25.5)", () => {
  beforeAll(async () => {
    // alice's token publishes a document that says it is planner-1's.
    const first = await remote(["sitrep", "publish", writeDocument("audit-1.json", sitrepDocument(ids.sitrep1, null, [ids.alert1, ids.alert2]))])
    expect(first.code, first.stderr).toBe(0)
    expect((await direct(["activate", "--executor", "nexus-1"])).code).toBe(0)
  }, 120_000)

  it("the publisher is the token's name over the API and the actor in direct mode; creatorId stays the planner's label", async () => {
    const current = await api("/v1/sitreps/current")
    expect(current.status).toBe(200)
    expect([current.json().publishedBy, current.json().creatorId]).toEqual(["alice", "planner-1"])
    // Direct mode: bob publishes the child; the document still says planner-1.
    const child = await direct(["sitrep", "publish", writeDocument("audit-2.json", sitrepDocument(ids.sitrep2, ids.sitrep1, [ids.alert1, ids.alert2, ids.alert3])), ...bob])
    expect(child.code, child.stderr).toBe(0)
    const shown = await direct(["sitrep", "show", "--json"])
    expect([shown.json().publishedBy, shown.json().creatorId]).toEqual(["bob", "planner-1"])
    const text = await remote(["sitrep", "show"])
    expect(text.stdout).toMatch(/^published: +\S+ by bob$/m)
    expect(text.stdout).toMatch(/^planner's label: +planner-1 \(the document's creatorId\)$/m)
    const history = await api("/v1/sitreps")
    expect(history.json().items.map((e: any) => [e.version, e.publishedBy, e.creatorId])).toEqual([[2, "bob", "planner-1"], [1, "alice", "planner-1"]])
    // A retry of the same document by another publisher is answered as published and changes nothing,
    // the publisher included: the content decides, not who sends it.
    const retry = await remote(["sitrep", "publish", "--json", writeDocument("audit-2b.json", sitrepDocument(ids.sitrep2, ids.sitrep1, [ids.alert1, ids.alert2, ids.alert3]))])
    expect(retry.code, retry.stderr).toBe(0)
    expect(retry.json().alreadyPublished).toBe(true)
    expect((await api("/v1/sitreps/current")).json().publishedBy).toBe("bob")
  }, 120_000)

  it("a deleted alert's delete is still explained after its tombstone was collected", async () => {
    expect((await direct(["activate", "--executor", "nexus-1"])).code).toBe(0)
    const deleted = await remote(["alert", "delete", ids.alert1])
    expect(deleted.code, deleted.stderr).toBe(0)
    // The next sitrep drops alert1; the activation holding it sweeps its tombstone.
    const drop = await direct(["sitrep", "publish", writeDocument("audit-3.json", sitrep3), ...bob])
    expect(drop.code, drop.stderr).toBe(0)
    expect((await direct(["activate", "--executor", "nexus-1"])).code).toBe(0)
    const [d, r] = await Promise.all([direct(["explain", ids.alert1, "--json"]), remote(["explain", ids.alert1, "--json"])])
    expect(r.stdout).toBe(d.stdout)
    const e = d.json()
    expect([e.kind, e.exists, e.fmCreated, e.createdAtGeneration, e.deleted?.by]).toEqual(["alert", false, false, null, "alice"])
    expect(e.reason).toMatch(/^alice deleted it at \S+ \(the audit record says so\)/)
    expect(e.history.map((h: any) => `${h.actor} ${h.action} ${h.outcome}`)).toEqual(["alice delete deleted"])
    const text = await direct(["explain", ids.alert1])
    expect(text.stdout).toMatch(/^deleted by an operator: +yes, at \S+ by alice$/m)
    expect(text.stdout).toMatch(/^ {2}\S+ {2}alice {2}delete alert a1a1a1a1-0000-4000-8000-000000000001: deleted$/m)
  }, 120_000)

  it("GET /v1/audit and fm audit: every done action, newest first, paged, filtered, the same in both modes", async () => {
    const comment = await direct(["bundle", "comment", ids.bundle1, "looked", ...bob])
    expect(comment.code, comment.stderr).toBe(0)
    const created = runFm(["token", "create", "carol", "--role", "viewer", "--actor", "root-op", "--database-url", world.url()])
    expect(created.code, created.stderr).toBe(0)
    expect(runFm(["token", "revoke", "carol", "--database-url", world.url()]).code).toBe(0)
    const all = await api("/v1/audit")
    expect(all.status, all.text).toBe(200)
    expect(all.json().items.map((e: any) => `${e.actor} ${e.action} ${e.outcome}`)).toEqual([
      "database-owner token.revoke revoked",
      "root-op token.create created",
      "bob comment commented",
      "bob publish published",
      "alice delete deleted",
      "bob publish published",
      "alice publish published",
      "database-owner token.create created",
      "database-owner token.create created"
    ])
    expect(all.json().nextPageToken).toBeNull()
    const published = all.json().items.filter((e: any) => e.action === "publish")
    expect(published.map((e: any) => [e.version, e.detail.creatorId])).toEqual([[3, "planner-1"], [2, "planner-1"], [1, "planner-1"]])
    // Pages of two follow their token to the same list.
    const seen: Array<string> = []
    let token: string | null = null
    do {
      const page: any = (await api(`/v1/audit?limit=2${token === null ? "" : `&page_token=${token}`}`)).json()
      seen.push(...page.items.map((e: any) => e.id))
      token = page.nextPageToken
    } while (token !== null)
    expect(seen).toEqual(all.json().items.map((e: any) => e.id))
    const byId = await api(`/v1/audit?id=${ids.alert1.toUpperCase()}`)
    expect(byId.json().items.map((e: any) => `${e.actor} ${e.action} ${e.subject}`)).toEqual([`alice delete ${ids.alert1}`])
    expect((await api("/v1/audit?actor=bob")).json().items.length).toBe(3)
    expect((await api("/v1/audit?since=2000-01-01T00:00:00Z")).json().items.length).toBe(9)
    expect((await api("/v1/audit?since=1h")).json().items.length).toBe(9)
    expect((await api("/v1/audit?since=yesterday-ish")).status).toBe(400)
    // Admin only: a viewer is refused, and the refusal writes nothing.
    const viewer = await api("/v1/audit", world.viewer())
    expect(viewer.status).toBe(403)
    expect(viewer.json().message).toBe("victor has the viewer role; reading the audit record needs admin.")

    for (const args of [["audit", "--json"], ["audit"], ["audit", "--limit", "3", "--json"], ["audit", "--by", "alice"], ["audit", "--id", ids.alert1, "--json"]]) {
      const [d, r] = await Promise.all([direct(args), remote(args)])
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }, args.join(" ")).toEqual({ code: d.code, stdout: d.stdout, stderr: d.stderr })
      expect(d.code, d.stderr).toBe(0)
    }
    const page = await direct(["audit", "--limit", "3", "--json"])
    expect(page.json().items.length).toBe(3)
    const rest = await remote(["audit", "--all", "--json", "--page-token", page.json().nextPageToken])
    expect([...page.json().items, ...rest.json().items].map((e: any) => e.id)).toEqual(all.json().items.map((e: any) => e.id))
    expect((await direct(["audit", "--limit", "3"])).stderr).toMatch(/^Showing the newest 3 entries; there are more: --all lists every one/)
    for (const bad of [["audit", "--limit", "0"], ["audit", "--since", "soon"], ["audit", "--page-token", "nope"], ["audit", "--all", "--limit", "2"]]) {
      const result = await direct(bad)
      expect(result.code, bad.join(" ")).toBe(2)
      expect(result.stderr.trim().split("\n")).toHaveLength(1)
    }
  }, 180_000)
})

const sitrep3 = sitrepDocument(ids.sitrep3, ids.sitrep2, [ids.alert2, ids.alert3])
