import { readFileSync, writeFileSync } from "node:fs"
import { resolve } from "node:path"
import { memoryLayer } from "@fm-rendezvous/adapters-memory"
import { makeApi } from "@fm-rendezvous/app/http/api"
import { appLayer } from "@fm-rendezvous/app/http/server"
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
})
