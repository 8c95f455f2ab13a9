import { assert, describe, layer } from "@effect/vitest"
import { coreTrack, migrate, migrationTables, runningSchemaChanges, schemaVersions } from "@fm-rendezvous/adapters-sql"
import { Effect, Exit, Fiber } from "effect"
import { SqlClient } from "effect/sql"
import { testDatabaseLayer } from "../support/postgres.ts"
import { allKinds } from "./fixtures.ts"
import { atCoreV3WithRequests, expectedIntervals, expectedRequests, intervals, versionRequests } from "./legacyRequests.ts"

const tableExists = (name: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(sql<{ found: string | null }>`SELECT to_regclass(${name})::text AS found`, (rows) => rows[0]?.found != null))

describe("migrations: versioned, idempotent, upgradable", () => {
  layer(testDatabaseLayer({ migrated: false }))((it) => {
    it.effect("a database at the previous version is upgraded; re-running is a no-op; a new kind adds its track", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const newest = coreTrack.steps[coreTrack.steps.length - 1]!.version
        assert.isAtLeast(newest, 2)

        // The database as the first release left it: core at 1, the two production kinds at
        // version 1, with their separate GC candidate ledgers, and no API tokens yet.
        const old = yield* migrate(allKinds.slice(0, 2), { core: 1, "kind:alert": 1, "kind:support_bundle": 1, tokens: 0, lineage: 0, executors: 0, audit: 0 })
        assert.deepStrictEqual(old.map((s) => `${s.component}@${s.version}`), [
          "core@1",
          "kind:alert@1",
          "kind:support_bundle@1"
        ])
        assert.isTrue(yield* tableExists("sitrep_history"))
        assert.isFalse(yield* tableExists("execution_progress"))
        yield* sql`INSERT INTO sitrep (id, parent_id, creator_id, time_created, comment)
          VALUES ('00000000-0000-4000-8000-000000000001', NULL, 'p', now(), 'kept across the upgrade')`
        // Three markers: one with a candidate (dropped at generation 3), one without; and a
        // candidate whose marker was never written.
        const [dropped, unmarked, orphan] = ["0000000a-0000-4000-8000-000000000001", "0000000a-0000-4000-8000-000000000002",
          "0000000a-0000-4000-8000-000000000003"]
        yield* sql`INSERT INTO alert_marker (resource_id, created_at_generation, time_created, time_deleted, deleted_by)
          VALUES (${dropped}, 1, now(), now(), 'alice'), (${unmarked}, 2, now(), NULL, NULL)`
        yield* sql`INSERT INTO alert_gc_candidate (resource_id, dropped_at_generation) VALUES (${dropped}, 3), (${orphan}, 3)`

        const stamped = yield* sql<{ component: string; applied_at: Date }>`SELECT component, applied_at FROM fm_schema_version`

        // The upgrade runs only what is missing: core 2..N, the fold of each kind's ledger into its
        // markers, and both steps of the new widget kind.
        const upgrade = yield* migrate(allKinds)
        assert.deepStrictEqual(upgrade.map((s) => `${s.component}@${s.version}`), [
          ...coreTrack.steps.slice(1).map((s) => `core@${s.version}`),
          "kind:alert@2",
          "kind:support_bundle@2",
          "kind:widget@1",
          "kind:widget@2",
          "tokens@1",
          "lineage@1",
          "lineage@2",
          "executors@1",
          "audit@1"
        ])
        assert.isTrue(yield* tableExists("execution_progress"))
        // Requests are stored once per lineage (core 4); the per-version table is gone.
        assert.isTrue(yield* tableExists("lineage_request"))
        assert.isFalse(yield* tableExists("sitrep_request"))
        for (const k of allKinds) {
          assert.isFalse(yield* tableExists(k.legacyCandidateTable), k.legacyCandidateTable)
          assert.isTrue(yield* tableExists(k.candidateIndex), k.candidateIndex)
        }
        // The candidate moved onto its marker; the marker without one stays unmarked, the
        // candidate without a marker is gone, and nothing else about the markers changed.
        const markers = yield* sql<{ resource_id: string; dropped_at_generation: bigint | null; deleted_by: string | null }>`
          SELECT resource_id, dropped_at_generation, deleted_by FROM alert_marker ORDER BY resource_id`
        assert.deepStrictEqual(markers.map((m) => [m.resource_id, m.dropped_at_generation, m.deleted_by]), [
          [dropped, 3n, "alice"],
          [unmarked, null, null]
        ])
        const kept = yield* sql<{ comment: string }>`SELECT comment FROM sitrep`
        assert.strictEqual(kept[0]?.comment, "kept across the upgrade")
        // Issue 25.5 and 25.4: the audit record, and who published each sitrep from now on.
        assert.isTrue(yield* tableExists("fm_audit"))
        assert.isTrue(yield* tableExists("sitrep_publisher"))

        // Re-running changes nothing, not even the time a step was applied.
        assert.deepStrictEqual(yield* migrate(allKinds), [])
        const versions = yield* schemaVersions
        assert.strictEqual(versions.get("core"), newest)
        assert.strictEqual(versions.get("kind:widget"), 2)
        assert.strictEqual(versions.get("kind:alert"), 2)
        const after = yield* sql<{ component: string; applied_at: Date }>`SELECT component, applied_at FROM fm_schema_version`
        for (const row of stamped) {
          if (upgrade.some((u) => u.component === row.component)) continue
          const same = after.find((a) => a.component === row.component)!
          assert.strictEqual(same.applied_at.getTime(), row.applied_at.getTime())
        }
      }))
  })

  // Issue 20, item 3: a second migrator waits for the first's lease; one whose lease was taken
  // over stops instead of recording progress; the step record never moves back.
  layer(testDatabaseLayer({ migrated: false }), { excludeTestServices: true })((it) => {
    it.effect("the migration lock: a held lease makes a migrator wait, an expired one is taken over; the step record never moves back", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const fast = { pollMillis: 10 }
        // Another migrator holds an unexpired lease: nothing is migrated until it lets go.
        yield* migrate([], { core: 0, tokens: 0, lineage: 0, executors: 0, audit: 0 }, { ...fast, holder: "setup" })
        yield* sql`INSERT INTO fm_migration_lock (singleton, holder, expires_at) VALUES (TRUE, 'other', now() + INTERVAL '1 hour')`
        const waiting = yield* Effect.forkChild(migrate(allKinds, {}, { ...fast, holder: "second" }))
        yield* Effect.sleep("300 millis")
        assert.isFalse(yield* tableExists("sitrep"), "the second migrator ran a step while the lease was held")
        yield* sql`DELETE FROM fm_migration_lock WHERE holder = 'other'`
        const applied = yield* Fiber.join(waiting)
        assert.isAtLeast(applied.length, 3)
        assert.deepStrictEqual(yield* sql`SELECT holder FROM fm_migration_lock`, [], "the lock was released")

        // An expired lease (a migrator killed holding it) is taken over without an operator.
        yield* sql`INSERT INTO fm_migration_lock (singleton, holder, expires_at) VALUES (TRUE, 'dead', now() - INTERVAL '1 second')`
        assert.deepStrictEqual(yield* migrate(allKinds, {}, fast), [])

        // The step record only moves forward: with a later step recorded (version 3's first, by a
        // faster or newer migrator) a migrator re-running version 2 from a stale reading of the
        // version table does not set it back.
        yield* sql`UPDATE fm_schema_step SET version = 3, done = 1 WHERE component = 'kind:alert'`
        yield* sql`UPDATE fm_schema_version SET version = 1 WHERE component = 'kind:alert'`
        const rerun = yield* migrate(allKinds, {}, fast)
        assert.deepStrictEqual(rerun.map((s) => `${s.component}@${s.version}`), ["kind:alert@2"])
        const step = yield* sql<{ version: bigint; done: bigint }>`SELECT version, done FROM fm_schema_step WHERE component = 'kind:alert'`
        assert.deepStrictEqual([step[0]?.version, step[0]?.done], [3n, 1n], "the step record was set back")
      }))

    it.effect("a CHECK is a step of its own, named, and skipped when it is already there", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* migrate(allKinds, {}, { pollMillis: 10 })
        const named = yield* sql<{ n: string }>`SELECT constraint_name AS n FROM information_schema.table_constraints
          WHERE table_schema = current_schema() AND constraint_type = 'CHECK'
            AND constraint_name IN ('alert_marker_dropped_at_generation_check', 'sitrep_request_entered_at_generation_check')
          ORDER BY 1`
        // (sitrep_request's own CHECK goes with the table when core version 4 moves requests to the lineage.)
        assert.include(named.map((r) => r.n), "alert_marker_dropped_at_generation_check")
        // A migrator killed after the ADD CONSTRAINT committed and before it was recorded: the
        // re-run meets the constraint (PostgreSQL has no ADD CONSTRAINT IF NOT EXISTS) and skips it.
        yield* sql`UPDATE fm_schema_step SET version = 2, done = 4 WHERE component = 'kind:alert'`
        yield* sql`UPDATE fm_schema_version SET version = 1 WHERE component = 'kind:alert'`
        const rerun = yield* migrate(allKinds, {}, { pollMillis: 10 })
        assert.deepStrictEqual(rerun.map((s) => `${s.component}@${s.version}`), ["kind:alert@2"])
        const refused = yield* Effect.exit(sql`INSERT INTO alert_marker (resource_id, created_at_generation, time_created, dropped_at_generation)
          VALUES ('0000000b-0000-4000-8000-000000000001', 1, now(), 0)`)
        assert.isTrue(Exit.isFailure(refused), "the CHECK let a generation of 0 through")
      }))

    it("the CockroachDB schema-change wait names every table the migration touches", () => {
      const tables = migrationTables([coreTrack])
      for (const t of ["sitrep", "sitrep_request", "fm_schema_step", "fm_migration_lock"]) assert.include(tables, t)
      const statement = runningSchemaChanges(tables)
      assert.match(statement, /WITH x AS \(SHOW JOBS\)/)
      assert.include(statement, "'%.sitrep_request %'")
      assert.notInclude(statement, "SCHEMA CHANGE GC")
    })
  })

  layer(testDatabaseLayer({ migrated: false }))((it) => {
    it.effect("core 4 moves every version's requests into one row per request; each version reads what it carried", () =>
      Effect.gen(function*() {
        yield* atCoreV3WithRequests
        const before = yield* schemaVersions
        assert.strictEqual(before.get("core"), 3)
        const upgrade = yield* migrate(allKinds)
        assert.includeDeepMembers(upgrade.map((s) => `${s.component}@${s.version}`), ["core@4"])
        assert.isFalse(yield* tableExists("sitrep_request"))
        assert.deepStrictEqual(yield* intervals, expectedIntervals)
        assert.deepStrictEqual(yield* versionRequests, expectedRequests())
      }))
  })
})
