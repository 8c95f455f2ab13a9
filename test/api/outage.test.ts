import { pgLayer } from "@fm-rendezvous/adapters-sql"
import { Effect, ManagedRuntime } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type PrivateCluster, startPrivateCluster } from "@fm-rendezvous/testkit/cluster"
import { runFm } from "../cli/harness.ts"
import { call, issueToken, type Served, startServer } from "./harness.ts"

/**
 * The database goes away under a running `fm serve` (SPEC 8.4): every route that needs it answers
 * 503 with Retry-After (authentication too: a valid token and an unknown one alike, never a 401
 * or 500), and it serves again once the database is back. The database is a private PostgreSQL of
 * the test's own (the kit's), never the shared server. A token's last-use write is best-effort: a
 * failing write does not fail the read it rides on.
 */
let cluster: PrivateCluster
let served: Served
let admin = ""
let viewer = ""
beforeAll(async () => {
  cluster = await startPrivateCluster("outage")
  const migrated = runFm(["db", "migrate", "--database-url", cluster.url])
  if (migrated.code !== 0) throw new Error(migrated.stderr)
  admin = issueToken(cluster.url, "alice", "admin")
  viewer = issueToken(cluster.url, "victor", "viewer")
  served = await startServer(cluster.url)
}, 120_000)
afterAll(async () => {
  await served?.stop()
  await cluster?.remove()
})

const unknownToken = `fm_${"0".repeat(16)}_${"A".repeat(43)}`
const routes: ReadonlyArray<[string, string, string, unknown?]> = [
  ["GET", "/v1/alerts", "viewer"],
  ["GET", "/v1/status", "viewer"],
  ["GET", "/v1/me", "viewer"],
  ["GET", "/v1/sitreps/current", "viewer"],
  ["POST", "/v1/sitreps/prune", "admin", { keep: 5 }],
  ["DELETE", `/v1/alerts/${crypto.randomUUID()}`, "admin"],
  ["GET", "/v1/alerts", "unknown"]
]

describe("fm serve while its database is away", () => {
  it("answers 503 with Retry-After on every route, then serves again", async () => {
    const tokens: Record<string, string> = { admin, viewer, unknown: unknownToken }
    expect((await call(served.base, "GET", "/v1/me", { token: viewer })).status).toBe(200)
    await cluster.stop()
    try {
      for (const [method, path, who, body] of routes) {
        const answer = await call(served.base, method, path, { token: tokens[who]!, body })
        expect(answer.status, `${method} ${path} (${who}): ${answer.text}`).toBe(503)
        expect(answer.headers.get("retry-after"), `${method} ${path}`).toMatch(/^\d+$/)
        expect(answer.json()).toEqual({ error: "Unavailable", message: "The database cannot be reached or timed out; retry later." })
      }
      const ready = await call(served.base, "GET", "/readyz")
      expect(ready.status).toBe(503)
      expect(ready.headers.get("retry-after")).toMatch(/^\d+$/)
      // A malformed token needs no lookup: still the 401 of SPEC 8.2.
      expect((await call(served.base, "GET", "/v1/alerts", { token: "nonsense" })).status).toBe(401)
      expect(served.log()).not.toMatch(/\n\s+at /)
    } finally {
      await cluster.start()
    }
    let answer = await call(served.base, "GET", "/v1/alerts", { token: viewer })
    for (let i = 0; i < 50 && answer.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 200))
      answer = await call(served.base, "GET", "/v1/alerts", { token: viewer })
    }
    expect(answer.status).toBe(200)
  }, 60_000)

  it("a failing last-use write does not fail the request", async () => {
    // A token never used yet needs its last use written; make that write fail in the database.
    const fresh = issueToken(cluster.url, "carol", "viewer")
    const db = ManagedRuntime.make(pgLayer(cluster.url))
    const psql = (statement: string) => db.runPromise(Effect.flatMap(SqlClient.SqlClient, (s) => s.unsafe(statement)))
    await psql(`CREATE FUNCTION fm_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$`)
    await psql(`CREATE TRIGGER fm_test_refuse BEFORE UPDATE ON fm_api_token FOR EACH ROW EXECUTE FUNCTION fm_test_refuse()`)
    try {
      const answer = await call(served.base, "GET", "/v1/me", { token: fresh })
      expect(answer.status, answer.text).toBe(200)
      expect(answer.json()).toEqual({ name: "carol", role: "viewer" })
      expect(served.log()).toMatch(/could not record the use of token carol/)
    } finally {
      await psql(`DROP TRIGGER fm_test_refuse ON fm_api_token`)
      await db.dispose()
    }
  })
})
