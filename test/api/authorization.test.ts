import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import { describe, expect, it, beforeAll } from "vitest"
import { runFm } from "../cli/harness.ts"
import { ids, sitrepDocument } from "../cli/sitreps.ts"
import { dumpWithoutTokens } from "./dump.ts"
import { call, issueToken, useServer } from "./harness.ts"

/**
 * SPEC 8.2 against a real `fm serve`: every route x {no token, malformed, unknown, expired,
 * revoked, viewer, admin}. Refusals are the same 401 (with WWW-Authenticate: Bearer) whatever is
 * wrong with the token, 403 for a viewer's change, each in the SPEC 8.4 shape, and the database
 * is unchanged by every refused request.
 */
const world = useServer()

type Need = "none" | "viewer" | "admin"
interface Route {
  readonly method: string
  readonly path: string
  readonly body?: () => unknown
  readonly need: Need
  /** The status an allowed caller gets here. */
  readonly ok: number
}

const missing = ids.unknown
let published = 0

const routes: ReadonlyArray<Route> = [
  { method: "POST", path: "/v1/sitreps", need: "admin", ok: 201, body: () => sitrepDocument(ids.sitrep2, ids.sitrep1, [ids.alert1, ids.alert2]) },
  { method: "GET", path: "/v1/sitreps", need: "viewer", ok: 200 },
  { method: "GET", path: "/v1/sitreps/current", need: "viewer", ok: 200 },
  { method: "GET", path: "/v1/sitreps/1", need: "viewer", ok: 200 },
  { method: "POST", path: "/v1/sitreps/prune", need: "admin", ok: 200, body: () => ({ keep: 100 }) },
  { method: "GET", path: "/v1/alerts", need: "viewer", ok: 200 },
  { method: "GET", path: `/v1/alerts/${missing}`, need: "viewer", ok: 404 },
  { method: "DELETE", path: `/v1/alerts/${missing}`, need: "admin", ok: 404 },
  { method: "GET", path: "/v1/support-bundles", need: "viewer", ok: 200 },
  { method: "GET", path: `/v1/support-bundles/${missing}`, need: "viewer", ok: 404 },
  { method: "PUT", path: `/v1/support-bundles/${missing}`, need: "admin", ok: 404, body: () => ({ userComment: "hello" }) },
  { method: "DELETE", path: `/v1/support-bundles/${missing}`, need: "admin", ok: 404 },
  { method: "GET", path: `/v1/explain/${missing}`, need: "viewer", ok: 200 },
  { method: "GET", path: "/v1/status", need: "viewer", ok: 200 },
  { method: "GET", path: "/v1/status/history", need: "viewer", ok: 200 },
  { method: "DELETE", path: "/v1/status/executors/nobody", need: "admin", ok: 404 },
  { method: "GET", path: "/v1/me", need: "viewer", ok: 200 },
  { method: "GET", path: "/v1/audit", need: "admin", ok: 200 },
  { method: "GET", path: "/openapi.json", need: "none", ok: 200 },
  { method: "GET", path: "/healthz", need: "none", ok: 200 },
  { method: "GET", path: "/readyz", need: "none", ok: 200 },
  { method: "GET", path: "/metrics", need: "none", ok: 200 }
]

type Who = "no token" | "malformed" | "unknown" | "expired" | "revoked" | "viewer" | "admin"
const tokens: Record<Who, string | undefined> = {
  "no token": undefined,
  malformed: "not-a-token",
  unknown: "fm_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
  expired: "",
  revoked: "",
  viewer: "",
  admin: ""
}
const order: ReadonlyArray<Who> = ["no token", "malformed", "unknown", "expired", "revoked", "viewer", "admin"]

const allowed = (need: Need, who: Who) => need === "none" || (who === "admin") || (who === "viewer" && need === "viewer")

describe("the authorization matrix", () => {
  beforeAll(async () => {
    const url = world.url()
    tokens.viewer = world.viewer()
    tokens.admin = world.admin()
    tokens.expired = issueToken(url, "ephemeral", "admin", ["--expires-in", "1s"])
    tokens.revoked = issueToken(url, "former", "admin")
    expect(runFm(["token", "revoke", "former", "--database-url", url]).code).toBe(0)
    const first = await call(world.server().base, "POST", "/v1/sitreps", { token: tokens.admin, body: sitrepDocument(ids.sitrep1, null, [ids.alert1]) })
    expect(first.status).toBe(201)
    published = first.json().version
    await new Promise((r) => setTimeout(r, 1100))
  })

  for (const route of routes) {
    it(`${route.method} ${route.path}`, async () => {
      const base = world.server().base
      for (const who of order) {
        const before = await dumpWithoutTokens(world.url())
        const answer = await call(base, route.method, route.path, {
          ...(tokens[who] === undefined ? {} : { token: tokens[who] }),
          ...(route.body === undefined ? {} : { body: route.body() })
        })
        const label = `${route.method} ${route.path} as ${who}`
        if (allowed(route.need, who)) {
          expect(answer.status, `${label}: ${answer.text}`).toBe(route.ok)
          continue
        }
        const expected = who === "viewer" ? 403 : 401
        expect(answer.status, `${label}: ${answer.text}`).toBe(expected)
        expect(Object.keys(answer.json()).sort(), label).toEqual(["error", "message"])
        expect(answer.json().message, label).toMatch(/\.$/)
        if (expected === 401) {
          expect(answer.headers.get("www-authenticate"), label).toBe("Bearer")
          // Nothing says which part of the token was wrong.
          expect(answer.json().error, label).toBe("Unauthorized")
        } else {
          expect(answer.json().error, label).toBe("NotAuthorized")
          expect(answer.json().message, label).toContain("victor has the viewer role")
        }
        expect(await dumpWithoutTokens(world.url()), `${label} wrote to the database`).toBe(before)
      }
    })
  }

  it("serves the committed OpenAPI document and the metrics in the Prometheus format", async () => {
    const served = await call(world.server().base, "GET", "/openapi.json")
    expect(served.json()).toEqual(JSON.parse(readFileSync(resolve(import.meta.dirname, "../../docs/openapi.json"), "utf8")))
    const metrics = await call(world.server().base, "GET", "/metrics")
    expect(metrics.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8")
    expect(metrics.text).toMatch(/^fm_http_requests_total\{/m)
  })

  it("says in the OpenAPI document the role each route needs, the role this matrix proves", async () => {
    const document = (await call(world.server().base, "GET", "/openapi.json")).json()
    // The document names path parameters `{id}` and `{version}` where the matrix has values.
    const template = (path: string) =>
      path.replace(/\/[0-9a-f-]{36}$/, "/{id}").replace(/\/sitreps\/\d+$/, "/sitreps/{version}").replace(/\/executors\/[^/]+$/, "/executors/{name}")
    for (const route of routes) {
      const operation = document.paths[template(route.path)]?.[route.method.toLowerCase()]
      expect(operation, `${route.method} ${route.path} in the document`).toBeDefined()
      expect(operation["x-fm-role"] ?? "none", `${route.method} ${route.path}`).toBe(route.need)
    }
  })

  it("published through the API with the admin token", () => {
    expect(published).toBe(1)
  })

  it("logs one line per request naming the actor, never a token", () => {
    const log = world.server().log()
    expect(log).toMatch(/method=GET route="\/v1\/me" status=200 duration_ms=[\d.]+ actor="victor"/)
    expect(log).toMatch(/method=DELETE route="\/v1\/alerts\/\{id\}" status=403 duration_ms=[\d.]+ actor="victor"/)
    for (const token of Object.values(tokens)) if (token !== undefined && token.startsWith("fm_")) expect(log).not.toContain(token.slice(20))
  })

  it("records last use on the token, at most once a minute", async () => {
    for (let i = 0; i < 3; i++) await call(world.server().base, "GET", "/v1/me", { token: tokens.viewer })
    const listed = runFm(["token", "list", "--json", "--database-url", world.url()]).json() as Array<{ name: string; lastUsedAt: string | null }>
    const victor = listed.find((t) => t.name === "victor")!
    expect(victor.lastUsedAt).not.toBeNull()
    const used = victor.lastUsedAt
    await call(world.server().base, "GET", "/v1/me", { token: tokens.viewer })
    const again = (runFm(["token", "list", "--json", "--database-url", world.url()]).json() as Array<{ name: string; lastUsedAt: string | null }>)
      .find((t) => t.name === "victor")!
    expect(again.lastUsedAt).toBe(used)
    expect(JSON.stringify(listed)).not.toMatch(/fm_[0-9a-f]{16}_/)
  })
})
