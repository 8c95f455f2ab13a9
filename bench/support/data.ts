import { randomUUID } from "node:crypto"
import { Authorization, publishSitrep, type Sitrep, SitrepStore } from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"
import { SqlClient } from "effect/sql"
import type { BenchDatabase } from "./server.ts"

/** The operator the bench publishes and deletes as. */
export const OPERATOR = { name: "bench-operator", role: "admin" } as const

/** Fresh request ids (UUIDv4, random like a planner's), so index inserts land anywhere. */
export const freshIds = (n: number): Array<string> => Array.from({ length: n }, () => randomUUID())

const chunks = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** A sitrep document (SPEC 7.1) carrying `alertIds` as alert requests, 1,000 per case. */
export const alertSitrep = (parentId: string | null, alertIds: ReadonlyArray<string>) => ({
  id: randomUUID(),
  parentId,
  creatorId: "bench-planner",
  comment: "bench",
  cases: chunks(alertIds, 1000).map((ids, c) => ({
    id: randomUUID(),
    comment: `bench case ${c}`,
    closed: false,
    alertRequests: ids.map((id, i) => ({
      id,
      class: "hardware.power_shelf.psu.remove",
      payload: { shelf: c, slot: i },
      comment: ""
    })),
    supportBundleRequests: []
  }))
})

/** Publishes through the real use case, then loads the current sitrep as an executor's loader does. */
export const publishAndLoad = async (db: BenchDatabase, doc: unknown): Promise<Sitrep> =>
  db.run(Effect.gen(function*() {
    const grant = yield* (yield* Authorization).requireAdmin(OPERATOR, "publishing a bench sitrep")
    yield* publishSitrep(grant, doc)
    const current = yield* (yield* SitrepStore).current
    if (Option.isNone(current)) throw new Error("no current sitrep after publishing")
    return current.value
  }))

/** Runs raw SQL on the bench database (setup and baselines only, never inside a measured use case). */
export const sql = <A>(db: BenchDatabase, f: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) =>
  db.run(Effect.flatMap(SqlClient.SqlClient, f) as Effect.Effect<A>)

/**
 * Adds `count` live alerts, each with a live creation marker at `generation`, by INSERT ... SELECT
 * FROM generate_series (ids from gen_random_uuid, sorted so the index builds append), then
 * VACUUM ANALYZE so the planner and the visibility map see the tables as a running system would.
 */
export const addLiveRows = async (db: BenchDatabase, count: number, generation: bigint) => {
  const step = 250_000
  for (let done = 0; done < count; done += step) {
    const n = Math.min(step, count - done)
    await sql(db, (s) =>
      s`WITH ids AS (SELECT gen_random_uuid() AS id, g FROM generate_series(1, ${n}) AS g ORDER BY 1),
        rows AS (
          INSERT INTO alert (id, case_id, time_created, class, payload)
          SELECT id, gen_random_uuid(), now(), 'hardware.power_shelf.psu.remove', jsonb_build_object('shelf', g % 32, 'slot', g % 8)
          FROM ids RETURNING id
        )
        INSERT INTO alert_marker (resource_id, created_at_generation, time_created)
        SELECT id, ${generation}, now() FROM rows`)
  }
  await sql(db, (s) => s.unsafe("VACUUM ANALYZE alert, alert_marker, lineage_request, sitrep_case, sitrep_history"))
}
