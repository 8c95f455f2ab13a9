import { readFileSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { resolve } from "node:path"
import { memoryLayer } from "@fm-rendezvous/adapters-memory"
import { makeApi } from "@fm-rendezvous/app/http/api"
import { appLayer } from "@fm-rendezvous/app/http/server"
import { waitingListener } from "@fm-rendezvous/app/http/waiting"
import { issueToken } from "@fm-rendezvous/app/tokens"
import { Kinds } from "@fm-rendezvous/domain"
import { Duration, Effect, Layer, ManagedRuntime, Option } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { OpenApi } from "effect/http-api"
import { afterAll, describe, expect, it } from "vitest"
import { testKinds } from "../support/kinds.ts"

/**
 * The API's contract (SPEC 8.3): the OpenAPI document generated from the definition is the one
 * committed in docs/openapi.json, so a change of contract shows in review; and the routes come
 * from the kind registry, so the tests' throwaway kind gets /v1/widgets with no code of its own.
 * To accept a change of contract: FM_UPDATE_OPENAPI=1 npx vitest run test/api/contract.test.ts
 */
const COMMITTED = resolve(import.meta.dirname, "../../docs/openapi.json")

describe("the API contract", () => {
  it("generates the committed OpenAPI document", () => {
    const generated = `${JSON.stringify(OpenApi.fromApi(makeApi()), null, 2)}\n`
    if (process.env["FM_UPDATE_OPENAPI"] === "1") writeFileSync(COMMITTED, generated)
    expect(generated).toBe(readFileSync(COMMITTED, "utf8"))
    const doc = JSON.parse(generated)
    // Every route of SPEC 8.3, with the bearer scheme on those that need a token and none on the rest.
    const operations = Object.entries(doc.paths as Record<string, Record<string, { security: ReadonlyArray<unknown> }>>)
      .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.security.length === 0 ? "open" : JSON.stringify(op.security)}`))
      .sort()
    const bearer = JSON.stringify([{ bearer: [] }])
    expect(operations).toEqual([
      "DELETE /v1/alerts/{id}",
      "DELETE /v1/status/executors/{name}",
      "DELETE /v1/support-bundles/{id}",
      "GET /healthz open",
      "GET /metrics open",
      "GET /openapi.json open",
      "GET /readyz open",
      "GET /v1/alerts",
      "GET /v1/alerts/{id}",
      "GET /v1/audit",
      "GET /v1/explain/{id}",
      "GET /v1/me",
      "GET /v1/sitreps",
      "GET /v1/sitreps/current",
      "GET /v1/sitreps/{version}",
      "GET /v1/status",
      "GET /v1/status/history",
      "GET /v1/support-bundles",
      "GET /v1/support-bundles/{id}",
      "POST /v1/sitreps",
      "POST /v1/sitreps/prune",
      "PUT /v1/support-bundles/{id}"
    ].map((line) => (line.endsWith(" open") ? line : `${line} ${bearer}`)).sort())
    expect(doc.components.securitySchemes).toEqual({ bearer: { type: "http", scheme: "Bearer" } })
    expect(Object.keys(doc.paths["/metrics"].get.responses["200"].content)).toEqual(["text/plain; version=0.0.4; charset=utf-8"])
  })

  it("types every answer (issue 25.1): no untyped value, no array without items, integers as finite integers", () => {
    const doc = JSON.parse(readFileSync(COMMITTED, "utf8"))
    const problems: Array<string> = []
    const walk = (schema: unknown, where: string): void => {
      if (typeof schema !== "object" || schema === null) return problems.push(`${where}: not a schema`) as never
      const s = schema as Record<string, unknown>
      const keys = Object.keys(s).filter((k) => k !== "title")
      // `{}` says nothing; a value that is any JSON on purpose (an alert's payload) says so in a description.
      if (keys.length === 0) problems.push(`${where}: {} (untyped)`)
      if (s["type"] === "array" && s["items"] === undefined && s["prefixItems"] === undefined) problems.push(`${where}: an array without items`)
      // Schema.Number's JSON form lets "Infinity", "-Infinity" and "NaN" in as strings: counts are finite.
      if (JSON.stringify(s["enum"] ?? []).includes("Infinity")) problems.push(`${where}: a non-finite number`)
      if (s["$ref"] !== undefined) walk(doc.components.schemas[String(s["$ref"]).split("/").pop()!], `${where} -> ${s["$ref"]}`)
      for (const k of ["anyOf", "oneOf", "allOf", "prefixItems"]) (s[k] as Array<unknown> | undefined)?.forEach((x, i) => walk(x, `${where}.${k}[${i}]`))
      if (s["items"] !== undefined) walk(s["items"], `${where}[]`)
      for (const [name, p] of Object.entries((s["properties"] ?? {}) as Record<string, unknown>)) walk(p, `${where}.${name}`)
      if (typeof s["additionalProperties"] === "object") walk(s["additionalProperties"], `${where}.*`)
    }
    let answers = 0
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(methods)) {
        for (const [status, response] of Object.entries(op.responses as Record<string, any>)) {
          for (const [type, content] of Object.entries((response.content ?? {}) as Record<string, any>)) {
            answers += 1
            // The OpenAPI document itself is the one answer whose schema is a whole other standard's.
            if (path !== "/openapi.json") walk(content.schema, `${method.toUpperCase()} ${path} ${status} ${type}`)
          }
        }
      }
    }
    expect(answers).toBeGreaterThan(40)
    expect(problems).toEqual([])
  })

  const runtime = ManagedRuntime.make(memoryLayer(testKinds))
  afterAll(() => runtime.dispose())

  it("gives a registered kind its routes from the descriptor alone", async () => {
    const paths = Object.keys(OpenApi.fromApi(makeApi(testKinds)).paths)
    expect(paths).toContain("/v1/widgets")
    expect(paths).toContain("/v1/widgets/{id}")

    const context = await runtime.context()
    const token = (await runtime.runPromise(issueToken("wanda", "admin", Option.none()))).token
    const registry = await runtime.runPromise(Effect.gen(function*() {
      return yield* Kinds
    }))
    const app = appLayer(registry, 1 << 20, Duration.seconds(30)).pipe(Layer.provide(Layer.succeedContext(context)), Layer.provide(HttpServer.layerServices))
    const { handler, dispose } = HttpRouter.toWebHandler(app, { disableLogger: true })
    try {
      const ask = (method: string, path: string) =>
        handler(new Request(`http://local${path}`, { method, headers: { authorization: `Bearer ${token}` } }), context as never)
      const listed = await ask("GET", "/v1/widgets")
      expect(listed.status).toBe(200)
      expect(await listed.json()).toEqual({ items: [], nextPageToken: null })
      const missing = await ask("DELETE", "/v1/widgets/0d6c9a8e-2f1b-4c4e-9d55-3b1c2a7f8e01")
      expect(missing.status).toBe(404)
      expect(((await missing.json()) as { message: string }).message).toBe("There is no widget 0d6c9a8e-2f1b-4c4e-9d55-3b1c2a7f8e01.")
      // Widgets take no operator comment, so they get no comment route.
      expect((await ask("PUT", "/v1/widgets/0d6c9a8e-2f1b-4c4e-9d55-3b1c2a7f8e01")).status).toBe(404)
    } finally {
      await dispose()
    }
  })

  it("answers every refusal, of every status, in the one envelope of SPEC 8.4 (issue 25.8)", async () => {
    // The document says so: each error answer of each route is { error, message }, nothing else.
    const doc = OpenApi.fromApi(makeApi()) as any
    const resolve = (schema: any): any => (schema.$ref === undefined ? schema : doc.components.schemas[schema.$ref.split("/").pop()])
    let errorAnswers = 0
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(methods)) {
        for (const [status, response] of Object.entries(op.responses as Record<string, any>)) {
          if (Number(status) < 400) continue
          for (const content of Object.values((response.content ?? {}) as Record<string, any>)) {
            const alternatives = content.schema.anyOf ?? [content.schema]
            for (const alternative of alternatives) {
              const schema = resolve(alternative)
              errorAnswers += 1
              expect({ route: `${method} ${path} ${status}`, properties: Object.keys(schema.properties).sort(), required: [...schema.required].sort() })
                .toEqual({ route: `${method} ${path} ${status}`, properties: ["error", "message"], required: ["error", "message"] })
            }
          }
        }
      }
    }
    expect(errorAnswers).toBeGreaterThan(100)

    // And the server does: every refusal it can be driven to, each status, the one shape.
    const context = await runtime.context()
    const admin = (await runtime.runPromise(issueToken("walter", "admin", Option.none()))).token
    const viewer = (await runtime.runPromise(issueToken("vera", "viewer", Option.none()))).token
    const registry = await runtime.runPromise(Effect.gen(function*() {
      return yield* Kinds
    }))
    const app = appLayer(registry, 1 << 16, Duration.seconds(30)).pipe(Layer.provide(Layer.succeedContext(context)), Layer.provide(HttpServer.layerServices))
    const { handler, dispose } = HttpRouter.toWebHandler(app, { disableLogger: true })
    const id = "0d6c9a8e-2f1b-4c4e-9d55-3b1c2a7f8e01"
    const sitrep = (sitrepId: string, parentId: string | null) => ({ id: sitrepId, parentId, creatorId: "planner", comment: "", cases: [] })
    type Ask = { method: string; path: string; token?: string; body?: string; headers?: Record<string, string>; status: number }
    const json = (v: unknown) => JSON.stringify(v)
    const asks: Array<Ask> = [
      { method: "POST", path: "/v1/sitreps", token: admin, body: "{ not json", status: 400 },
      { method: "POST", path: "/v1/sitreps", token: admin, body: json({ ...sitrep("not-a-uuid", null) }), status: 400 },
      { method: "POST", path: "/v1/sitreps/prune", token: admin, body: json({ keep: "5" }), status: 400 },
      { method: "POST", path: "/v1/sitreps/prune", token: admin, body: json({ keep: 5, colour: "red" }), status: 400 },
      { method: "POST", path: "/v1/sitreps/prune", token: admin, body: json({}), status: 400 },
      { method: "PUT", path: `/v1/support-bundles/${id}`, token: admin, body: json({ userComment: 7 }), status: 400 },
      { method: "GET", path: "/v1/alerts/nope", token: viewer, status: 400 },
      { method: "GET", path: "/v1/alerts?limit=0", token: viewer, status: 400 },
      { method: "GET", path: "/v1/alerts?page_token=%%%", token: viewer, status: 400 },
      { method: "GET", path: "/v1/alerts?colour=red", token: viewer, status: 400 },
      { method: "GET", path: "/v1/sitreps/abc", token: viewer, status: 400 },
      { method: "GET", path: "/v1/explain/123", token: viewer, status: 400 },
      { method: "GET", path: "/v1/alerts", status: 401 },
      { method: "GET", path: "/v1/alerts", token: "fm_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", status: 401 },
      { method: "GET", path: "/v1/status", headers: { authorization: "Basic d2FuZGE6eA==" }, status: 401 },
      { method: "DELETE", path: `/v1/alerts/${id}`, token: viewer, status: 403 },
      { method: "POST", path: "/v1/sitreps/prune", token: viewer, body: json({ keep: 1 }), status: 403 },
      { method: "GET", path: "/v1/nope", token: viewer, status: 404 },
      { method: "GET", path: "/v1/nope", status: 404 },
      { method: "PATCH", path: "/v1/alerts", token: admin, status: 404 },
      { method: "GET", path: "/console/nope.js", status: 404 },
      { method: "GET", path: `/v1/alerts/${id}`, token: viewer, status: 404 },
      { method: "DELETE", path: `/v1/widgets/${id}`, token: admin, status: 404 },
      { method: "PUT", path: `/v1/widgets/${id}`, token: admin, body: json({ userComment: "x" }), status: 404 },
      { method: "GET", path: "/v1/sitreps/current", token: viewer, status: 404 },
      { method: "GET", path: "/v1/sitreps/7", token: viewer, status: 404 },
      { method: "POST", path: "/v1/sitreps", token: admin, body: json(sitrep("7d1f0f5e-6c55-4b8e-9a57-2b0c4f1e9a01", "7d1f0f5e-6c55-4b8e-9a57-2b0c4f1e9a02")), status: 409 },
      { method: "POST", path: "/v1/sitreps/prune", token: admin, body: json({ keep: 1, pad: "x".repeat(1 << 16) }), status: 413 },
      { method: "POST", path: "/v1/sitreps/prune", token: admin, body: json({ keep: 1 }), headers: { "content-type": "text/plain" }, status: 415 }
    ]
    try {
      const seen = new Set<number>()
      for (const ask of asks) {
        const headers: Record<string, string> = { ...(ask.body === undefined ? {} : { "content-type": "application/json" }), ...ask.headers }
        if (ask.token !== undefined) headers["authorization"] = `Bearer ${ask.token}`
        const answer = await handler(new Request(`http://local${ask.path}`, { method: ask.method, headers, body: ask.body }), context as never)
        const text = await answer.text()
        const what = `${ask.method} ${ask.path} -> ${answer.status} ${text}`
        expect(answer.status, what).toBe(ask.status)
        expect(answer.headers.get("content-type"), what).toMatch(/^application\/json/)
        const body = JSON.parse(text)
        expect(Object.keys(body).sort(), what).toEqual(["error", "message"])
        expect(body.error, what).toMatch(/^[A-Z][A-Za-z]+$/)
        expect(body.message, what).toMatch(/^[^\n]+[.)]$/)
        expect(text, what).not.toContain("_tag")
        seen.add(answer.status)
      }
      expect([...seen].sort()).toEqual([400, 401, 403, 404, 409, 413, 415])
    } finally {
      await dispose()
    }
  })

  it("answers the waiting page's refusals in the same envelope", async () => {
    const server = createServer()
    const answers = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      yield* waitingListener(server, { host: "127.0.0.1", port: 0 })
      const { port } = server.address() as AddressInfo
      return yield* Effect.promise(() =>
        Promise.all(["/readyz", "/v1/status", "/nope"].map(async (path) => {
          const answer = await fetch(`http://127.0.0.1:${port}${path}`)
          return { path, status: answer.status, retryAfter: answer.headers.get("retry-after"), body: (await answer.json()) as Record<string, string> }
        })))
    })))
    for (const answer of answers) {
      expect(answer.status, answer.path).toBe(503)
      expect(answer.retryAfter, answer.path).not.toBeNull()
      expect(Object.keys(answer.body).sort(), answer.path).toEqual(["error", "message"])
      expect(answer.body.message).toMatch(/^The database cannot be reached yet; .*\.$/)
    }
  })
})
