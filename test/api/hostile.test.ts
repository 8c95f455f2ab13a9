import * as net from "node:net"
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { beforeAll, describe, expect, it } from "vitest"
import { ids, sitrepDocument, writeDocument } from "../cli/sitreps.ts"
import { dumpWithoutTokens } from "./dump.ts"
import { call, fmAsync, useServer } from "./harness.ts"

/**
 * Hostile requests against a real server (issue 10): each is refused in the SPEC 8.4 shape,
 * writes nothing, and the server keeps answering others. The body limit and request timeout are
 * lowered so the test is quick.
 */
const LIMIT = 4096
const HANDLING_MS = 4000
const world = useServer({ FM_MAX_BODY_BYTES: String(LIMIT), FM_REQUEST_TIMEOUT: "2 seconds", FM_HANDLING_TIMEOUT: `${HANDLING_MS} millis`, FM_TOKEN_LOOKUPS: "2" })

const expectRefusal = (answer: { status: number; text: string; json: () => any }, status: number, error?: string) => {
  expect(answer.status, answer.text).toBe(status)
  const body = answer.json()
  expect(Object.keys(body).sort()).toEqual(["error", "message"])
  expect(body.message).toMatch(/\S[.]$/)
  expect(body.message.split("\n")).toHaveLength(1)
  expect(body.message).not.toMatch(/SELECT|INSERT|at .*\.ts:\d+|SqlError/)
  if (error !== undefined) expect(body.error).toBe(error)
}

/** Raw bytes on a socket: what fetch will not send. */
const raw = (base: string, text: string, waitMs = 1500): Promise<string> =>
  new Promise((resolve) => {
    const { hostname, port } = new URL(base)
    const socket = net.connect(Number(port), hostname, () => socket.write(text))
    let got = ""
    socket.on("data", (c) => (got += c.toString("utf8")))
    const done = () => resolve(got)
    socket.on("close", done)
    socket.on("error", done)
    setTimeout(() => {
      socket.destroy()
      done()
    }, waitMs)
  })

describe("hostile requests", () => {
  let before = ""
  beforeAll(async () => {
    const first = await call(world.server().base, "POST", "/v1/sitreps", { token: world.admin(), body: sitrepDocument(ids.sitrep1, null, [ids.alert1]) })
    expect(first.status).toBe(201)
    before = await dumpWithoutTokens(world.url())
  })

  it("refuses bodies over the limit with 413, declared or chunked", async () => {
    const base = world.server().base
    const big = { ...sitrepDocument(ids.sitrep2, ids.sitrep1, [ids.alert2]), comment: "x".repeat(LIMIT) }
    expectRefusal(await call(base, "POST", "/v1/sitreps", { token: world.admin(), body: big }), 413, "PayloadTooLarge")
    const chunked = await raw(
      base,
      `POST /v1/sitreps HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${world.admin()}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n` +
        `${(LIMIT * 2).toString(16)}\r\n${"x".repeat(LIMIT * 2)}\r\n0\r\n\r\n`
    )
    expect(chunked).toMatch(/^HTTP\/1.1 413/)
  })

  it("refuses a body that is not JSON with 415, and malformed JSON with 400", async () => {
    const base = world.server().base
    const doc = JSON.stringify(sitrepDocument(ids.sitrep2, ids.sitrep1, [ids.alert2]))
    expectRefusal(await call(base, "POST", "/v1/sitreps", { token: world.admin(), body: doc, headers: { "content-type": "text/plain" } }), 415)
    expectRefusal(await call(base, "POST", "/v1/sitreps", { token: world.admin(), body: doc, headers: { "content-type": "" } }), 415)
    expectRefusal(await call(base, "POST", "/v1/sitreps", { token: world.admin(), body: "{ not json" }), 400, "InvalidInput")
    // A syntax error says where, on every route with a body, as the command line says it of a
    // file (issue 25.9): the line and the column, whatever Node's JSON.parse says.
    const syntaxErrors: ReadonlyArray<readonly [string, string, string, string]> = [
      ["POST", "/v1/sitreps", `{\n  "id": "${ids.sitrep2}",\n  "cases": [}\n}`, "Unexpected '}' at line 3, column 13"],
      ["POST", "/v1/sitreps/prune", `{\n  "keep": 1,\n}`, "Expected double-quoted property name at line 3, column 1"],
      ["PUT", `/v1/support-bundles/${ids.bundle1}`, `{"userComment": "a" "b"}`, "Expected ',' or '}' after property value at line 1, column 21"]
    ]
    for (const [method, path, body, where] of syntaxErrors) {
      const answer = await call(base, method, path, { token: world.admin(), body })
      expectRefusal(answer, 400, "InvalidInput")
      expect(answer.json().message).toBe(`The request body is not valid JSON: ${where}.`)
    }
    // No body, but a media type that is not JSON: the same JSON refusal, not the framework's text.
    expectRefusal(await call(base, "POST", "/v1/sitreps/prune", { token: world.admin(), headers: { "content-type": "text/plain" } }), 415, "UnsupportedMediaType")
    expectRefusal(await call(base, "POST", "/v1/sitreps/prune", { token: world.admin(), body: { keep: 1, extra: true } }), 400, "InvalidInput")
    expectRefusal(await call(base, "PUT", `/v1/support-bundles/${ids.bundle1}`, { token: world.admin(), body: { userComment: "a", colour: 1 } }), 400)
  })

  it("refuses a viewer's write with 403 before reading its body", async () => {
    const base = world.server().base
    // A body the API would refuse with 400 (bad JSON, unknown fields): the role is decided first.
    for (const [method, path, body] of [
      ["POST", "/v1/sitreps", "{ not json"],
      ["POST", "/v1/sitreps/prune", { keep: "x", colour: 1 }],
      ["PUT", `/v1/support-bundles/${ids.bundle1}`, "{"]
    ] as const) {
      const answer = await call(base, method, path, { token: world.viewer(), body })
      expectRefusal(answer, 403, "NotAuthorized")
      expect(answer.json().message).toMatch(/^victor has the viewer role; (publishing a sitrep|pruning sitrep history|commenting on support bundle .*) needs admin\.$/)
    }
  })

  it("refuses a document SPEC 7.1 refuses with the sentence the command line prints", async () => {
    const base = world.server().base
    const bad = sitrepDocument(ids.sitrep2, ids.sitrep1, [ids.alert2], { colour: "red" })
    const answer = await call(base, "POST", "/v1/sitreps", { token: world.admin(), body: bad })
    expectRefusal(answer, 400, "InvalidInput")
    const cli = await fmAsync(["sitrep", "publish", writeDocument("hostile-unknown.json", bad), "--actor", "alice", "--role", "admin", "--database-url", world.url()])
    expect(cli.code).toBe(2)
    expect(cli.stderr.trim()).toBe(answer.json().message)
  })

  it("refuses bad ids, versions, limits and page tokens with 400", async () => {
    const base = world.server().base
    const viewer = world.viewer()
    for (const path of [
      "/v1/alerts/not-a-uuid",
      "/v1/explain/123",
      "/v1/sitreps/abc",
      "/v1/sitreps/-1",
      "/v1/sitreps/1e3",
      "/v1/alerts?limit=0",
      "/v1/alerts?limit=1e9",
      "/v1/alerts?limit=1001",
      "/v1/alerts?limit=",
      "/v1/alerts?page_token=garbage",
      `/v1/alerts?page_token=${Buffer.from(JSON.stringify({ after: "x" })).toString("base64url")}`,
      "/v1/sitreps?page_token=eyJhZnRlciI6IjAifQ"
    ]) {
      expectRefusal(await call(base, "GET", path, { token: viewer }), 400, "InvalidInput")
    }
    expectRefusal(await call(base, "GET", "/v1/sitreps/0", { token: viewer }), 400)
    expectRefusal(await call(base, "GET", "/v1/no-such-route", { token: viewer }), 404)
  })

  it("answers a header with no value like a missing token", async () => {
    const answer = await raw(world.server().base, "GET /v1/me HTTP/1.1\r\nHost: x\r\nAuthorization:\r\nConnection: close\r\n\r\n")
    expect(answer).toMatch(/^HTTP\/1.1 401/)
    expect(answer.toLowerCase()).toContain("www-authenticate: bearer")
    const bearerOnly = await raw(world.server().base, "GET /v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer\r\nConnection: close\r\n\r\n")
    expect(bearerOnly).toMatch(/^HTTP\/1.1 401/)
  })

  it("times out a slow client and stays responsive to others", async () => {
    const base = world.server().base
    const slow = raw(base, `POST /v1/sitreps HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${world.admin()}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"id":`, 6000)
    const started = performance.now()
    const healthy = await call(base, "GET", "/healthz")
    expect(healthy.status).toBe(200)
    expect(performance.now() - started).toBeLessThan(1000)
    const answer = await slow
    // Node answers 408 (or closes) once FM_REQUEST_TIMEOUT has passed without the whole request.
    expect(answer === "" || /^HTTP\/1.1 408/.test(answer), answer).toBe(true)
    expect(performance.now() - started).toBeLessThan(5500)
  })

  it("serves many concurrent connections", async () => {
    const base = world.server().base
    const answers = await Promise.all(Array.from({ length: 200 }, () => call(base, "GET", "/v1/me", { token: world.viewer() })))
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200))
  })

  it("wrote nothing for any of it", async () => {
    expect(await dumpWithoutTokens(world.url())).toBe(before)
  })
})

/** A session that holds an exclusive lock on `table` until released: a statement stuck behind it waits. */
const holdLock = (url: string, table: string) => {
  let release = () => {}
  const released = new Promise<void>((resolve) => (release = resolve))
  let locked = () => {}
  const isLocked = new Promise<void>((resolve) => (locked = resolve))
  const done = Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.withTransaction(Effect.gen(function*() {
      yield* sql.unsafe(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`)
      locked()
      yield* Effect.promise(() => released)
    }))
  }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })), Effect.runPromise)
  return { locked: isLocked, release: () => (release(), done) }
}

describe("bounds on a request's handling (issue 22.4)", () => {
  it("answers 503 with Retry-After when a statement is stuck on a lock; a write runs on and is not lost", async () => {
    const base = world.server().base
    const lock = holdLock(world.url(), "sitrep")
    await lock.locked
    const started = performance.now()
    const [read, write] = await Promise.all([
      call(base, "GET", "/v1/sitreps/current", { token: world.viewer() }),
      call(base, "POST", "/v1/sitreps", { token: world.admin(), body: sitrepDocument(ids.sitrep2, ids.sitrep1, [ids.alert2]) })
    ])
    const took = performance.now() - started
    for (const answer of [read, write]) {
      expectRefusal(answer, 503, "Unavailable")
      expect(answer.headers.get("retry-after")).toBe("2")
    }
    expect(write.json().message).toMatch(/FM_HANDLING_TIMEOUT.*read it back/)
    expect(took).toBeGreaterThan(HANDLING_MS - 100)
    expect(took).toBeLessThan(HANDLING_MS + 3000)
    // The server kept answering what does not need the lock meanwhile.
    expect((await call(base, "GET", "/v1/me", { token: world.viewer() })).status).toBe(200)
    await lock.release()
    // The write was not cancelled (a cancelled COMMIT can be a lost acknowledgement): it ran to its end.
    let current = await call(base, "GET", "/v1/sitreps/current", { token: world.viewer() })
    for (let i = 0; i < 50 && current.json().id !== ids.sitrep2; i++) {
      await new Promise((r) => setTimeout(r, 100))
      current = await call(base, "GET", "/v1/sitreps/current", { token: world.viewer() })
    }
    expect(current.status, current.text).toBe(200)
    expect(current.json().id).toBe(ids.sitrep2)
  })

  it("bounds concurrent token lookups: past FM_TOKEN_LOOKUPS a check waits briefly, then 503", async () => {
    const base = world.server().base
    const fake = (i: number) => `fm_${i.toString(16).padStart(16, "0")}_${"A".repeat(43)}`
    const lock = holdLock(world.url(), "fm_api_token")
    await lock.locked
    // Two lookups take the two slots and wait on the lock; the third finds none free.
    const held = [1, 2].map((i) => call(base, "GET", "/v1/me", { token: fake(i) }))
    await new Promise((r) => setTimeout(r, 300))
    const started = performance.now()
    const third = await call(base, "GET", "/v1/me", { token: fake(3) })
    const waited = performance.now() - started
    expectRefusal(third, 503, "Unavailable")
    expect(third.json().message).toMatch(/FM_TOKEN_LOOKUPS/)
    expect(third.headers.get("retry-after")).toBe("2")
    expect(waited).toBeGreaterThan(900)
    expect(waited).toBeLessThan(3000)
    await lock.release()
    // Once the lookups can run, the held ones get their 401 and the slots are free again.
    expect((await Promise.all(held)).map((a) => a.status)).toEqual([401, 401])
    expect((await call(base, "GET", "/v1/me", { token: fake(4) })).status).toBe(401)
    expect((await call(base, "GET", "/v1/me", { token: world.viewer() })).status).toBe(200)
  })
})
