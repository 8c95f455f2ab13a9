import { assert, describe, layer } from "@effect/vitest"
import { decodeSentinel, SENTINELS } from "@fm-rendezvous/adapters-sql"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { sentinel } from "../../packages/adapters-sql/src/sentinel.ts"
import { freshSqlLayer } from "./fixtures.ts"

// The decoder on the texts of both servers is tested in packages/adapters-sql/test; here, on the
// error this server really sends.
describe("sentinels on a real server (SPEC 5)", () => {
  layer(freshSqlLayer())((it) => {
    it.effect("the server's own error decodes, and a passing condition returns TRUE", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const ok = yield* sql<{ ok: boolean }>`SELECT ${sentinel(sql, sql`1 = ${1}`, SENTINELS.parentNotCurrent)} AS ok`
        assert.isTrue(ok[0]!.ok)
        for (const name of Object.values(SENTINELS)) {
          const error = yield* Effect.flip(sql`SELECT ${sentinel(sql, sql`1 = ${2}`, name)} AS ok`)
          assert.strictEqual(decodeSentinel(error), name)
        }
      }))
  })
})
