/**
 * Evidence for docs/PERFORMANCE.md (not part of `npm run bench`): the ledger sweep page statement
 * of packages/adapters-sql/src/markers.ts spends most of its time in its final SELECT, which joins
 * the `judged` and `swept` CTEs only to order the deleted ids by their dropped generation. From the
 * second page on (with a cursor) PostgreSQL estimates the page at 1 row, plans that join as a
 * nested loop over two CTE scans, and compares 1,000 x 1,000 rows ("Rows Removed by Join Filter:
 * 999000"). This script sweeps the same K tombstones with the adapter's statement as built, and with
 * the same text where `swept` returns the dropped generation itself (RETURNING m.resource_id,
 * j.dropped_at_generation) and the final SELECT reads `swept` directly. It also prints the plan of
 * a cursor page. Usage: DATABASE_URL=... node bench/evidence/ledger-final-join.ts
 */
import type { CandidateCursor, Sitrep } from "@fm-rendezvous/domain"
import { alertSqlKind } from "@fm-rendezvous/adapters-sql"
import { sweepCandidatesPage, type SweepRow } from "@fm-rendezvous/adapters-sql/markers"
import { textArray } from "@fm-rendezvous/adapters-sql/run"
import { Effect } from "effect"
import { alertSitrep, freshIds, publishAndLoad, sql } from "../support/data.ts"
import { createDatabase, startServer } from "../support/server.ts"

const K = 10_000
const PAGE = 1_000

const server = await startServer()
const db = await createDatabase(server, "evidence")
try {
  const collectible = freshIds(K)
  const first: Sitrep = await publishAndLoad(db, alertSitrep(null, collectible))
  const held: Sitrep = await publishAndLoad(db, alertSitrep(first.id, freshIds(10)))
  const restore = () =>
    sql(db, (s) =>
      Effect.gen(function*() {
        yield* s`INSERT INTO alert_marker (resource_id, created_at_generation, time_created, time_deleted, deleted_by)
          SELECT id, 1, now(), now(), 'bench' FROM unnest(${textArray(collectible)}::uuid[]) AS t(id)
          ON CONFLICT (resource_id) DO NOTHING`
        yield* s`INSERT INTO alert_gc_candidate (resource_id, dropped_at_generation)
          SELECT id, 2 FROM unnest(${textArray(collectible)}::uuid[]) AS t(id) ON CONFLICT (resource_id) DO NOTHING`
        yield* s.unsafe("VACUUM ANALYZE alert_marker, alert_gc_candidate")
      }))
  const fixed = (text: string) => {
    const out = text
      .replace(/RETURNING m\.resource_id\s*\)/, "RETURNING m.resource_id, j.dropped_at_generation)")
      .replace(
        /LEFT JOIN \(\s*SELECT j\.resource_id, j\.dropped_at_generation FROM judged j JOIN swept s ON s\.resource_id = j\.resource_id\s*\) AS d ON TRUE/,
        "LEFT JOIN swept AS d ON TRUE"
      )
    if (out === text) throw new Error("the statement changed: this script no longer applies")
    return out
  }
  const sweep = async (variant: "as built" | "final join removed") => {
    await restore()
    const t0 = performance.now()
    let cursor: CandidateCursor | null = null
    let deleted = 0
    let pages = 0
    while (true) {
      const at: CandidateCursor | null = cursor
      const rows = await sql(db, (s) => {
        const [text, params] = sweepCandidatesPage(s, alertSqlKind, held.id, at, PAGE).compile()
        return s.unsafe<SweepRow>(variant === "as built" ? text : fixed(text), params)
      })
      pages += 1
      deleted += rows.filter((r) => r.deleted_id !== null).length
      const head = rows[0]!
      if (Number(head.examined) < PAGE) break
      cursor = { generation: head.last_generation, id: head.last_id } as unknown as CandidateCursor
    }
    return { variant, ms: Math.round(performance.now() - t0), pages, deleted }
  }
  for (let run = 0; run < 3; run++) {
    console.log(await sweep("as built"))
    console.log(await sweep("final join removed"))
  }
  await restore()
  let plan = ""
  await sql(db, (s) =>
    s.withTransaction(Effect.gen(function*() {
      const cursor = { generation: 2n, id: "00000000-0000-4000-8000-000000000000" } as unknown as CandidateCursor
      const [text, params] = sweepCandidatesPage(s, alertSqlKind, held.id, cursor, PAGE).compile()
      const rows = yield* s.unsafe<{ "QUERY PLAN": string }>(`EXPLAIN ANALYZE ${text}`, params)
      plan = rows.map((r) => r["QUERY PLAN"]).join("\n")
      return yield* Effect.fail("roll back")
    })).pipe(Effect.catch(() => Effect.void)))
  console.log(plan.split("\n").filter((l) => /Nested Loop|Join Filter|Rows Removed by Join|CTE Scan on (judged j|swept s)\b|Execution Time/.test(l)).join("\n"))
} finally {
  await db.close()
  await server.stop()
}
