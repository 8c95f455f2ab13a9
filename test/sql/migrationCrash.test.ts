import { assert, describe, layer } from "@effect/vitest"
import { defaultSqlKinds, migrate } from "@fm-rendezvous/adapters-sql"
import { Cause, Effect, Exit } from "effect"
import { SqlClient } from "effect/sql"
import { type KillPoint, killBeforeStatement, MigrationKilled } from "@fm-rendezvous/testkit/migrationFaults"
import { testDatabaseLayer } from "../support/postgres.ts"
import { atCoreV3WithRequests, expectedIntervals, expectedRequests, intervals, versionRequests } from "./legacyRequests.ts"

/**
 * Issue 12: a migration killed at ANY point re-runs to the current schema. For every statement
 * the migrator sends (the steps and the bookkeeping that records them), a fresh schema is
 * migrated with the migrator stopped dead just before that statement, then migrated again by a
 * plain migrator; the result must be the schema a clean migration builds. Issue 20: the same with
 * the migrator stopped during each step statement (the server ran it, the migrator never saw the
 * answer), and every killed migrator leaves its migration lock behind for the re-run to wait out.
 * The same from a database left at kind track version 1, with GC candidates to move onto their
 * markers.
 */
const schemaOf = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const columns = yield* sql<{ t: string; c: string; d: string; n: string }>`
    SELECT table_name AS t, column_name AS c, data_type AS d, is_nullable AS n FROM information_schema.columns
    WHERE table_schema = current_schema() ORDER BY table_name, column_name`
  const indexes = yield* sql<{ i: string; d: string }>`
    SELECT indexname AS i, regexp_replace(indexdef, ' ON [a-z0-9_]+\\.', ' ON ') AS d FROM pg_indexes
    WHERE schemaname = current_schema() ORDER BY indexname`
  const checks = yield* sql<{ c: string }>`
    SELECT check_clause AS c FROM information_schema.check_constraints cc
    JOIN information_schema.table_constraints tc USING (constraint_schema, constraint_name)
    WHERE tc.table_schema = current_schema() AND check_clause NOT LIKE '%IS NOT NULL' ORDER BY 1`
  const versions = yield* sql<{ component: string; version: bigint }>`
    SELECT component, version FROM fm_schema_version ORDER BY component`
  return {
    columns: columns.map((r) => `${r.t}.${r.c} ${r.d} ${r.n}`),
    indexes: indexes.map((r) => r.d),
    checks: checks.map((r) => r.c),
    versions: versions.map((r) => `${r.component}@${r.version}`)
  }
})

let schemas = 0
/** A schema of its own on the one pooled connection (the search path sticks to the session). */
const inFreshSchema = <A, E, R>(body: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const name = `fm_crash_${++schemas}`
    yield* sql.unsafe(`CREATE SCHEMA ${name}`)
    yield* sql.unsafe(`SET search_path TO ${name}`)
    const result = yield* body
    yield* sql.unsafe(`SET search_path TO public`)
    yield* sql.unsafe(`DROP SCHEMA ${name} CASCADE`)
    return result
  })

/**
 * A short lease: a killed migrator leaves its lock row behind (nothing more reaches the server,
 * not even the release), and each re-run, another migrator, waits for it to expire.
 */
const lease = { leaseMillis: 30, pollMillis: 10 }
let killed = 0
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1)

/** Runs `migrate` stopped at its n-th statement (before it, or during it); asserts it was stopped there. */
const killedMigration = (n: number, point: KillPoint, targets?: Readonly<Record<string, number>>) =>
  Effect.gen(function*() {
    const killer = killBeforeStatement(n, point)
    const exit = yield* Effect.exit(Effect.provide(migrate(defaultSqlKinds, targets, { ...lease, holder: `killed ${++killed}` }), killer.layer))
    assert.isTrue(Exit.isFailure(exit), `the migrator was not stopped before statement ${n}`)
    const defect = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
    assert.instanceOf(defect, MigrationKilled)
  })

/** How many statements a migration sends from the state `setup` leaves. */
const statementsOf = (setup: Effect.Effect<void, unknown, SqlClient.SqlClient>) =>
  inFreshSchema(Effect.gen(function*() {
    yield* setup
    const counting = killBeforeStatement(Number.POSITIVE_INFINITY)
    yield* Effect.provide(migrate(defaultSqlKinds, {}, lease), counting.layer)
    const renewals = new Set(counting.counter.renewals())
    // Stopped before a lease renewal, the database is as stopped during the record before it: skipped.
    const before = range(counting.counter.count()).filter((n) => !renewals.has(n))
    return { statements: counting.counter.count(), before, steps: counting.counter.raw(), schema: yield* schemaOf }
  }))

const [dropped, unmarked, orphan] = [
  "0000000a-0000-4000-8000-000000000001",
  "0000000a-0000-4000-8000-000000000002",
  "0000000a-0000-4000-8000-000000000003"
]
const V1 = { "kind:alert": 1, "kind:support_bundle": 1 }

/** A database as kind track version 1 left it: separate GC candidate ledgers, one candidate without a marker. */
const atKindTrackV1 = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* migrate(defaultSqlKinds, V1, lease)
  yield* sql`INSERT INTO alert_marker (resource_id, created_at_generation, time_created, time_deleted, deleted_by)
    VALUES (${dropped}, 1, now(), now(), 'alice'), (${unmarked}, 2, now(), NULL, NULL)`
  yield* sql`INSERT INTO alert_gc_candidate (resource_id, dropped_at_generation) VALUES (${dropped}, 3), (${orphan}, 3)`
})

const markersOf = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  Effect.map(
    sql<{ resource_id: string; dropped_at_generation: bigint | null; deleted_by: string | null }>`
      SELECT resource_id, dropped_at_generation, deleted_by FROM alert_marker ORDER BY resource_id`,
    (rows) => rows.map((m) => [m.resource_id, m.dropped_at_generation, m.deleted_by])
  ))

describe("migrations killed at any point re-run to the current schema", () => {
  layer(testDatabaseLayer({ migrated: false, maxConnections: 1 }), { excludeTestServices: true })((it) => {
    it.effect("from an empty database: stopped before each statement and during each step, then re-run", () =>
      Effect.gen(function*() {
        const clean = yield* statementsOf(Effect.void)
        assert.isAtLeast(clean.statements, 40)
        for (const point of ["before", "during"] as const) {
          for (const n of point === "before" ? clean.before : clean.steps) {
            const schema = yield* inFreshSchema(
              Effect.andThen(killedMigration(n, point), Effect.andThen(migrate(defaultSqlKinds, {}, lease), schemaOf))
            )
            assert.deepStrictEqual(schema, clean.schema, `killed ${point} statement ${n} of ${clean.statements}`)
          }
        }
        console.log(`migration crash: killed before and during each of ${clean.statements} statements of a migration from empty; every re-run reached the current schema`)
      }), 300_000)

    it.effect("from kind track version 1: stopped before and during each statement of the upgrade; the candidates end on their markers", () =>
      Effect.gen(function*() {
        const clean = yield* statementsOf(atKindTrackV1)
        const fresh = yield* statementsOf(Effect.void)
        assert.deepStrictEqual(clean.schema, fresh.schema, "an upgraded database has the schema of a new one")
        for (const point of ["before", "during"] as const) {
          for (const n of point === "before" ? clean.before : clean.steps) {
            const [schema, markers] = yield* inFreshSchema(Effect.gen(function*() {
              yield* atKindTrackV1
              yield* killedMigration(n, point)
              yield* migrate(defaultSqlKinds, {}, lease)
              return [yield* schemaOf, yield* markersOf] as const
            }))
            assert.deepStrictEqual(schema, clean.schema, `killed ${point} statement ${n} of ${clean.statements}`)
            assert.deepStrictEqual(markers, [[dropped, 3n, "alice"], [unmarked, null, null]], `killed ${point} statement ${n}`)
          }
        }
        console.log(`migration crash: killed before and during each of ${clean.statements} statements of the upgrade from kind track v1; every re-run reached the current schema with the candidates moved`)
      }), 300_000)

    it.effect("from core version 3 with requests: stopped before each statement (pages included); every version reads what it carried", () =>
      Effect.gen(function*() {
        const clean = yield* statementsOf(atCoreV3WithRequests)
        const fresh = yield* statementsOf(Effect.void)
        assert.deepStrictEqual(clean.schema, fresh.schema, "an upgraded database has the schema of a new one")
        for (const n of clean.before) {
          const [schema, requests, rows] = yield* inFreshSchema(Effect.gen(function*() {
            yield* atCoreV3WithRequests
            yield* killedMigration(n, "before")
            yield* migrate(defaultSqlKinds, {}, lease)
            return [yield* schemaOf, yield* versionRequests, yield* intervals] as const
          }))
          assert.deepStrictEqual(schema, clean.schema, `killed before statement ${n} of ${clean.statements}`)
          assert.deepStrictEqual(rows, expectedIntervals, `killed before statement ${n}`)
          assert.deepStrictEqual(requests, expectedRequests(), `killed before statement ${n}`)
        }
        console.log(`migration crash: killed before each of ${clean.statements} statements of the upgrade from core v3; every version reads what it carried`)
      }), 300_000)
  })
})
