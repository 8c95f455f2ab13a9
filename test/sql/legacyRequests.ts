import { defaultSqlKinds, migrate } from "@fm-rendezvous/adapters-sql"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import * as S from "../../packages/adapters-sql/src/sitreps.ts"

/**
 * Issue 19's migration: a database at core version 3 (one request row per version that carries
 * it) with four versions of one lineage, and the request sets every version must read after the
 * move to `lineage_request`. 1,500 requests are carried by all four (so the move takes two pages
 * of 1,000 and an empty one), X is dropped by version 4, Y enters at version 2, Z is carried by
 * version 1 only; the rows of version 1 predate the entry column (NULL).
 */
export const legacy = {
  sitreps: ["0000000b-0000-4000-8000-000000000001", "0000000b-0000-4000-8000-000000000002",
    "0000000b-0000-4000-8000-000000000003", "0000000b-0000-4000-8000-000000000004"],
  caseId: "0000000c-0000-4000-8000-000000000001",
  x: "0000000d-0000-4000-8000-00000000000a",
  y: "0000000d-0000-4000-8000-00000000000b",
  z: "0000000d-0000-4000-8000-00000000000c",
  bulk: 1500
} as const

const alertGenerations = [1, 2, 2, 3]

export const atCoreV3WithRequests = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* migrate(defaultSqlKinds, { core: 3 })
  for (const [i, id] of legacy.sitreps.entries()) {
    yield* sql`INSERT INTO sitrep (id, parent_id, creator_id, time_created, comment)
      VALUES (${id}, ${i === 0 ? null : legacy.sitreps[i - 1]!}, 'p', now(), ${`v${i + 1}`})`
    yield* sql`INSERT INTO sitrep_history (version, sitrep_id) VALUES (${BigInt(i + 1)}, ${id})`
    yield* sql`INSERT INTO sitrep_generation (sitrep_id, kind, generation)
      VALUES (${id}, 'alert', ${BigInt(alertGenerations[i]!)}), (${id}, 'support_bundle', 1)`
    yield* sql`INSERT INTO sitrep_case (sitrep_id, position, id, comment, closed, first_sitrep_id, closed_sitrep_id, request_kinds)
      VALUES (${id}, 0, ${legacy.caseId}, 'c', FALSE, ${legacy.sitreps[0]!}, NULL, '["alert"]'::jsonb)`
    const entered = i === 0 ? null : 1n
    yield* sql`INSERT INTO sitrep_request (sitrep_id, kind, id, case_position, position, case_id, body, entered_at_generation)
      SELECT ${id}, 'alert', ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, 0, g, ${legacy.caseId},
        jsonb_build_object('class', 'bulk', 'n', g), ${entered}
      FROM generate_series(1, ${legacy.bulk}) AS g`
    const extra: Array<readonly [string, bigint | null, number]> = [
      ...(i < 3 ? [[legacy.x, entered, 0] as const] : []),
      ...(i >= 1 ? [[legacy.y, null, 1] as const] : []),
      ...(i === 0 ? [[legacy.z, null, 2] as const] : [])
    ]
    for (const [rid, e, n] of extra) {
      yield* sql`INSERT INTO sitrep_request (sitrep_id, kind, id, case_position, position, case_id, body, entered_at_generation)
        VALUES (${id}, 'alert', ${rid}, 0, ${legacy.bulk + 1 + n}, ${legacy.caseId}, ${JSON.stringify({ class: "extra", n })}::jsonb, ${e})`
    }
  }
})

/** Per version: its alert requests as `id body` lines, sorted, read by the interval rule. */
export const versionRequests = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const out: Array<ReadonlyArray<string>> = []
  for (const id of legacy.sitreps) {
    const rows = yield* S.selectRequests(sql, id)
    out.push(rows.filter((r) => r.kind === "alert").map((r) => `${r.id} ${JSON.stringify(r.body)} ${r.case_id}`).sort())
  }
  return out
})

/** What each version carried before the move, in the same form. */
export const expectedRequests = (): ReadonlyArray<ReadonlyArray<string>> => {
  const bulk = Array.from({ length: legacy.bulk }, (_, k) => {
    const g = k + 1
    return `00000000-0000-4000-8000-${String(g).padStart(12, "0")} ${JSON.stringify({ n: g, class: "bulk" })} ${legacy.caseId}`
  })
  const x = `${legacy.x} ${JSON.stringify({ n: 0, class: "extra" })} ${legacy.caseId}`
  const y = `${legacy.y} ${JSON.stringify({ n: 1, class: "extra" })} ${legacy.caseId}`
  const z = `${legacy.z} ${JSON.stringify({ n: 2, class: "extra" })} ${legacy.caseId}`
  return [[...bulk, x, z], [...bulk, x, y], [...bulk, x, y], [...bulk, y]].map((v) => [...v].sort())
}

/** The lineage rows of X, Y and Z: (entered, dropped). */
export const intervals = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ id: string; e: bigint; d: bigint | null }>`
    SELECT id, entered_at_generation AS e, dropped_at_generation AS d FROM lineage_request
    WHERE kind = 'alert' AND id IN (${legacy.x}, ${legacy.y}, ${legacy.z}) ORDER BY id`
  const count = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM lineage_request`
  return { rows: rows.map((r) => [r.id, Number(r.e), r.d === null ? null : Number(r.d)]), count: count[0]!.n }
})

export const expectedIntervals = {
  rows: [[legacy.x, 1, 3], [legacy.y, 2, null], [legacy.z, 1, 2]],
  count: legacy.bulk + 3
}
