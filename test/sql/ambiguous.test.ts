import { assert, describe, layer } from "@effect/vitest"
import { type SitrepId, SitrepStore } from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"
import { SqlClient, SqlError } from "effect/sql"
import { resolveAmbiguous } from "../../packages/adapters-sql/src/sitrepStore.ts"
import { sitrepDoc } from "../support/documents.ts"
import { adminGrant, publishAsAdmin } from "../support/ports.ts"
import { freshSqlLayer, uuid } from "./fixtures.ts"

/**
 * SQLSTATE 40003 (CockroachDB: "statement completion unknown", an ambiguous commit). PostgreSQL
 * never sends it, so a test-only trigger raises it, once (a sequence counts: it survives the
 * rollback), where the publish would meet it.
 */
const raiseOnce = (sql: SqlClient.SqlClient, name: string, trigger: string) =>
  Effect.all([
    sql.unsafe(`CREATE SEQUENCE ${name}`),
    sql.unsafe(`CREATE FUNCTION ${name}() RETURNS trigger AS $$
      BEGIN
        IF nextval('${name}') = 1 THEN RAISE EXCEPTION 'result is ambiguous' USING ERRCODE = '40003'; END IF;
        RETURN NULL;
      END $$ LANGUAGE plpgsql`),
    sql.unsafe(trigger.replaceAll("$fn", name))
  ], { discard: true })

describe("an ambiguous publish is resolved by reading history (40003)", () => {
  layer(freshSqlLayer(), { excludeTestServices: true })((it) => {
    it.effect("not committed (the commit itself failed): history does not name it, so it is run again and published", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* raiseOnce(sql, "fm_test_ambiguous_commit", `CREATE CONSTRAINT TRIGGER $fn AFTER INSERT ON sitrep_history
          DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION $fn()`)
        const outcome = yield* publishAsAdmin(sitrepDoc({ id: uuid(1), parentId: null, cases: [] }))
        assert.strictEqual(outcome.version, 1)
        const fired = yield* sql<{ n: bigint }>`SELECT last_value AS n FROM fm_test_ambiguous_commit`
        assert.strictEqual(Number(fired[0]!.n), 2, "the first commit failed with 40003, the re-run committed")
        yield* sql.unsafe("DROP TRIGGER fm_test_ambiguous_commit ON sitrep_history")
      }))

    it.effect("committed, yet reported ambiguous: history names it, so it is Published at that version", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const id = uuid(2)
        const parent = Option.getOrThrow(yield* (yield* SitrepStore).currentHeader)
        // The commit went through; the client learns only 40003 (on CockroachDB, an ambiguous
        // commit; on PostgreSQL, a connection lost after COMMIT reached the server).
        const ambiguous = new SqlError.SqlError({
          reason: new SqlError.UnknownError({ cause: Object.assign(new Error("result is ambiguous"), { code: "40003" }), message: "commit" })
        })
        let attempts = 0
        const attempt = Effect.andThen(
          Effect.sync(() => void attempts++),
          Effect.andThen(publishAsAdmin(sitrepDoc({ id, parentId: parent.id, cases: [] })), Effect.fail(ambiguous))
        )
        const outcome = yield* resolveAmbiguous(sql, id as SitrepId)(attempt)
        assert.deepStrictEqual(outcome as unknown, { _tag: "Published", version: parent.version + 1 })
        assert.strictEqual(attempts, 1, "not re-run: history shows it committed")
      }))
  })
})
