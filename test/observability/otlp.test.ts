import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { alertAndBundleCases, daemonUrl, FAST_DAEMON, type FaultWorld, faultWorld, freshIds, spawnFm, waitUntil } from "../faults/harness.ts"

/**
 * SPEC 9 traces: a test OTLP/HTTP receiver on loopback accepting the JSON encoding, and the real
 * `fm run` with OTEL_EXPORTER_OTLP_ENDPOINT pointing at it. One activation exports its span, each
 * kind's span with its creation, guarded batches and sweep, with the executor, kind, generation
 * and sitrep version as attributes. Without the variable, nothing reaches the receiver.
 */
interface OtlpValue {
  readonly stringValue?: string
  readonly intValue?: string | number
  readonly doubleValue?: number
  readonly boolValue?: boolean
}
interface OtlpSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly attributes: ReadonlyArray<{ readonly key: string; readonly value: OtlpValue }>
}
interface Received {
  readonly service: string | undefined
  readonly span: OtlpSpan
}

const valueOf = (v: OtlpValue): string | number | boolean | undefined =>
  v.stringValue ?? (v.intValue === undefined ? undefined : Number(v.intValue)) ?? v.doubleValue ?? v.boolValue

const attributes = (s: OtlpSpan): Record<string, unknown> => Object.fromEntries(s.attributes.map((a) => [a.key, valueOf(a.value)]))

let world: FaultWorld
let receiver: Server
let endpoint: string
const received: Array<Received> = []
const posts: Array<{ path: string; contentType: string | undefined }> = []

beforeAll(async () => {
  world = await faultWorld()
  receiver = createServer((req, res) => {
    let body = ""
    req.on("data", (d) => (body += d))
    req.on("end", () => {
      posts.push({ path: req.url ?? "", contentType: req.headers["content-type"] })
      const doc = JSON.parse(body) as { resourceSpans?: Array<any> }
      for (const rs of doc.resourceSpans ?? []) {
        const service = (rs.resource?.attributes ?? []).find((a: any) => a.key === "service.name")?.value?.stringValue
        for (const ss of rs.scopeSpans ?? []) for (const span of ss.spans ?? []) received.push({ service, span })
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}")
    })
  })
  await new Promise<void>((done) => receiver.listen(0, "127.0.0.1", done))
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise((done) => receiver?.close(done))
  await world?.close()
})

const runOnce = async (executor: string, env: Record<string, string>, version: number) => {
  const daemon = spawnFm(
    ["run", "--executor", executor, "--database-url", daemonUrl(world), "--metrics-listen", "127.0.0.1:0"],
    { ...FAST_DAEMON, FM_ACTIVATION_PERIOD: "1 hour", ...env }
  )
  await waitUntil(`${executor}'s activation of version ${version}`, async () => {
    const r = await world.report(executor)
    return r?.sitrep.version === version ? r : undefined
  }, 30_000)
  // A stopping daemon flushes the spans it still holds.
  expect(await daemon.stop()).toBe(0)
}

describe("traces: OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set", () => {
  it("one activation: the activation, each kind's creation, guarded batches and sweep, with their attributes", async () => {
    const [alertCase, bundleCase] = alertAndBundleCases(freshIds(12), freshIds(7))
    const v1 = await world.publish([alertCase!, bundleCase!])

    await runOnce("traced", { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, FM_BATCH_SIZE: "5" }, 1)
    expect(posts.length).toBeGreaterThan(0)
    for (const p of posts) expect(p).toMatchObject({ path: "/v1/traces", contentType: expect.stringMatching(/^application\/json/) })
    expect(new Set(received.map((r) => r.service))).toEqual(new Set(["fm-executor"]))

    const spans = received.map((r) => r.span)
    const named = (name: string) => spans.filter((s) => s.name === name)
    const byId = new Map(spans.map((s) => [s.spanId, s]))
    // Spans of the use case's own (Effect.fn) may sit between; what matters is the ancestry.
    const descendsFrom = (span: OtlpSpan, ancestor: OtlpSpan): boolean => {
      for (let p = span.parentSpanId; p !== undefined && p !== ""; p = byId.get(p)?.parentSpanId) if (p === ancestor.spanId) return true
      return false
    }
    const [activation, ...more] = named("fm.activation")
    expect(more).toEqual([])
    expect(attributes(activation!)).toMatchObject({ "fm.executor": "traced", "fm.sitrep.version": 1 })

    for (const [kind, requests] of [["alert", 12], ["support_bundle", 7]] as const) {
      const mine = (s: OtlpSpan) => attributes(s)["fm.kind"] === kind
      const expected = { "fm.executor": "traced", "fm.sitrep.version": 1, "fm.kind": kind, "fm.generation": String(v1.generations[kind]) }
      const kindSpan = named("fm.kind").filter(mine)
      expect(kindSpan.length, kind).toBe(1)
      expect(descendsFrom(kindSpan[0]!, activation!)).toBe(true)
      expect(kindSpan[0]!.traceId).toBe(activation!.traceId)
      for (const name of ["fm.kind", "fm.create", "fm.sweep"]) {
        const found = named(name).filter(mine)
        expect(found.length, `${kind} ${name}`).toBe(1)
        expect(attributes(found[0]!), `${kind} ${name}`).toMatchObject(expected)
      }
      const create = named("fm.create").filter(mine)[0]!
      expect(descendsFrom(create, kindSpan[0]!)).toBe(true)
      const batches = named("fm.guarded_batch").filter(mine)
      expect(batches.length, `${kind} batches of 5`).toBe(Math.ceil(requests / 5))
      for (const b of batches) {
        expect(descendsFrom(b, create)).toBe(true)
        expect(attributes(b)).toMatchObject(expected)
      }
      expect(descendsFrom(named("fm.sweep").filter(mine)[0]!, kindSpan[0]!)).toBe(true)
    }

    // Unset: the same work (a new sitrep, every kind created again) exports nothing.
    const seen = posts.length
    await world.publish(alertAndBundleCases(freshIds(3), freshIds(3)))
    await runOnce("untraced", {}, 2)
    expect(posts.length).toBe(seen)
  })
})
