import * as http from "node:http"
import { describe, expect, it } from "vitest"
import { ids, sitrepDocument } from "../cli/sitreps.ts"
import { call, fmAsync, startServer, useServer } from "./harness.ts"

/**
 * The API's story of one alert (issue 10): published over the API, created by an executor,
 * deleted over the API with an admin token; the explanation names the token as the deleter, and
 * an executor still holding the old sitrep cannot bring the alert back.
 */
const world = useServer()
const fm = (args: ReadonlyArray<string>) => fmAsync([...args, "--database-url", world.url()])

describe("end to end over the API", () => {
  it("publishes, activates, deletes, explains, and keeps the alert deleted", async () => {
    const base = world.server().base
    const admin = world.admin()
    const viewer = world.viewer()

    const first = await call(base, "POST", "/v1/sitreps", { token: admin, body: sitrepDocument(ids.sitrep1, null, [ids.alert1, ids.alert2]) })
    expect(first.status).toBe(201)
    expect(first.json()).toEqual({ id: ids.sitrep1, version: 1, generations: { alert: 1, support_bundle: 1 }, alreadyPublished: false })

    expect((await fm(["activate", "--executor", "nexus-1"])).code).toBe(0)

    const listed = await call(base, "GET", "/v1/alerts?limit=1", { token: viewer })
    expect(listed.status).toBe(200)
    expect(listed.json().items.map((a: { id: string }) => a.id)).toEqual([ids.alert1])
    const rest = await call(base, "GET", `/v1/alerts?limit=1&page_token=${listed.json().nextPageToken}`, { token: viewer })
    expect(rest.json()).toEqual({ items: [expect.objectContaining({ id: ids.alert2 })], nextPageToken: null })

    const shown = await call(base, "GET", `/v1/alerts/${ids.alert1}`, { token: viewer })
    expect(shown.json()).toEqual((await fm(["alert", "show", ids.alert1, "--json"])).json())

    expect((await call(base, "DELETE", `/v1/alerts/${ids.alert1}`, { token: admin })).status).toBe(204)
    expect((await call(base, "DELETE", `/v1/alerts/${ids.alert1}`, { token: admin })).status).toBe(204)

    const explained = await call(base, "GET", `/v1/explain/${ids.alert1}`, { token: viewer })
    expect(explained.json().deleted.by).toBe("alice")
    expect(explained.json()).toEqual((await fm(["explain", ids.alert1, "--json"])).json())

    // A new sitrep that still requests the alert, and an executor that still holds version 1.
    const second = await call(base, "POST", "/v1/sitreps", { token: admin, body: sitrepDocument(ids.sitrep2, ids.sitrep1, [ids.alert1, ids.alert2]) })
    expect(second.status).toBe(201)
    await fm(["activate", "--executor", "stale-1", "--sitrep", "1"])
    expect((await fm(["activate", "--executor", "nexus-1"])).code).toBe(0)
    expect((await call(base, "GET", `/v1/alerts/${ids.alert1}`, { token: viewer })).status).toBe(404)

    const status = await call(base, "GET", "/v1/status", { token: viewer })
    expect(status.json().currentSitrep).toEqual({ id: ids.sitrep2, version: 2 })
    // The same document as fm status --json (issue 25.8: one shape in both modes).
    expect(status.json()).toEqual((await fm(["status", "--json"])).json())

    const history = await call(base, "GET", "/v1/sitreps?limit=1", { token: viewer })
    expect(history.json().items).toEqual([expect.objectContaining({ version: 2, id: ids.sitrep2, parentId: ids.sitrep1 })])
    const older = await call(base, "GET", `/v1/sitreps?limit=1&page_token=${history.json().nextPageToken}`, { token: viewer })
    expect(older.json()).toEqual({ items: [expect.objectContaining({ version: 1 })], nextPageToken: null })

    const current = await call(base, "GET", "/v1/sitreps/current", { token: viewer })
    expect(current.json()).toEqual((await fm(["sitrep", "show", "--json"])).json())

    const commented = await call(base, "PUT", `/v1/support-bundles/${ids.bundle1}`, { token: admin, body: { userComment: "looked at it" } })
    expect(commented.status).toBe(200)
    expect(commented.json().userComment).toBe("looked at it")
    const destroying = await call(base, "DELETE", `/v1/support-bundles/${ids.bundle1}`, { token: admin })
    expect(destroying.status).toBe(204)
    expect(destroying.text).toBe("")
    // What the delete did rides in a header (SPEC 8.3 documents no body); a second finds it deleted.
    // The outcome word of fm bundle delete --json, its details as parameters (RFC 9651), no internal tags.
    expect(destroying.headers.get("fm-delete-outcome")).toBe(`destroying;state="destroying";fm-created`)
    const again = await call(base, "DELETE", `/v1/support-bundles/${ids.bundle1}`, { token: admin })
    expect(again.status).toBe(204)
    expect(again.headers.get("fm-delete-outcome")).toMatch(/^alreadyDeleted;deleted-at="\d{4}-\d\d-\d\dT[\d:.]+Z";deleted-by="alice"$/)
    const pruned = await call(base, "POST", "/v1/sitreps/prune", { token: admin, body: { keep: 1 } })
    // SPEC 8.3's two counts, and what fm sitrep prune prints besides.
    expect(pruned.json()).toEqual({ keep: 1, removedVersions: 1, removedSitreps: 1, pages: 1, history: { oldest: 2, newest: 2 } })
  })

  it("stops on SIGTERM with requests in flight: they complete, exit 0", async () => {
    const served = world.server()
    const { port } = new URL(served.base)
    // A publish whose headers have arrived and whose body is still on its way when the signal comes.
    const body = JSON.stringify(sitrepDocument(ids.sitrep3, ids.sitrep2, [ids.alert3]))
    const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = http.request({
        host: "127.0.0.1",
        port: Number(port),
        method: "POST",
        path: "/v1/sitreps",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), authorization: `Bearer ${world.admin()}` }
      }, (response) => {
        let text = ""
        response.on("data", (c: Buffer) => (text += c.toString("utf8")))
        response.on("end", () => resolve({ status: response.statusCode ?? 0, text }))
      })
      request.on("error", reject)
      request.write(body.slice(0, 100))
      setTimeout(() => {
        served.process.kill("SIGTERM")
        setTimeout(() => request.end(body.slice(100)), 300)
      }, 200)
    })
    const exited = new Promise<number | null>((resolve) => served.process.once("exit", resolve))
    const answer = await answered
    expect(answer.status, answer.text).toBe(201)
    expect(await exited).toBe(0)
    // The publish completed: the next server sees it.
    const next = await startServer(world.url())
    try {
      const current = await call(next.base, "GET", "/v1/sitreps/current", { token: world.viewer() })
      expect(current.json().id).toBe(ids.sitrep3)
    } finally {
      await next.stop()
    }
  })
})
