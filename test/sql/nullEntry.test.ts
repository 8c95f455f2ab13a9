import { assert, describe, layer } from "@effect/vitest"
import { defaultSqlKinds, migrate, sqlLayer } from "@fm-rendezvous/adapters-sql"
import { activate, ActivationMode, type KindName, type ResourceId, ResourceStore, SitrepStore } from "@fm-rendezvous/domain"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { testDatabaseLayer } from "../support/postgres.ts"
import { atCoreV3WithRequests, legacy } from "./legacyRequests.ts"

// Issue 18: a request stored before `entered_at_generation` existed (NULL) must be executed by a
// delta activation, never skipped. Y entered at version 2 (alert generation 2) and all its rows
// are NULL; an executor left alert progress at generation 1; after the upgrade, a routine
// activation holding the current sitrep (generation 3) executes Y and skips what entered at 1.
describe("a request stored with a NULL entry generation (issue 18)", () => {
  layer(testDatabaseLayer({ migrated: false }))((it) => {
    it.effect("is executed by a delta activation after the upgrade", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* atCoreV3WithRequests
        const nulls = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM sitrep_request WHERE id = ${legacy.y} AND entered_at_generation IS NULL`
        assert.strictEqual(nulls[0]?.n, 3)
        yield* sql`INSERT INTO sitrep_current (singleton, version, sitrep_id) VALUES (TRUE, 4, ${legacy.sitreps[3]!})
          ON CONFLICT (singleton) DO UPDATE SET version = excluded.version, sitrep_id = excluded.sitrep_id`
        yield* sql`INSERT INTO execution_progress (kind, executed_generation, executed_at, executed_by) VALUES ('alert', 1, now(), 'old-executor')`
        yield* migrate(defaultSqlKinds)
        yield* Effect.gen(function*() {
          const held = Option.getOrThrow(yield* Effect.flatMap(SitrepStore, (s) => s.current))
          assert.strictEqual(held.generations["alert"], 3n)
          const report = yield* activate({ executor: "e1", held, batchSize: 500, pageSize: 100, mode: ActivationMode.Routine() })
          assert.isFalse(report.kinds["alert"]!.skipped)
          assert.strictEqual(report.kinds["alert"]!.created, 1)
          const resources = yield* ResourceStore
          assert.isTrue(Option.isSome(yield* resources.get("alert" as KindName, legacy.y as ResourceId)))
          // What entered at generation 1 was accounted for then: skipped, as the delta rule says.
          assert.isTrue(Option.isNone(yield* resources.get("alert" as KindName, "00000000-0000-4000-8000-000000000001" as ResourceId)))
        }).pipe(Effect.provide(sqlLayer({ kinds: defaultSqlKinds })))
      }), 120_000)
  })
})
