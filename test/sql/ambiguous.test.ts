import { assert, describe, layer } from "@effect/vitest"
import { type SitrepId, SitrepStore, TokenStore } from "@fm-rendezvous/domain"
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

describe("an ambiguous token creation is resolved by the stored digest (issue 20, item 5)", () => {
  layer(freshSqlLayer(), { excludeTestServices: true })((it) => {
    const token = (name: string, digest: string) => ({
      name,
      role: "viewer" as const,
      lookup: digest.slice(0, 16),
      digest,
      createdAt: new Date(),
      expiresAt: null
    })

    it.effect("committed, yet its outcome lost: the re-run finds its own digest and reports it created; another's is refused", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const store = yield* TokenStore
        const mine = token("ci-bot", "a".repeat(64))
        // The first attempt's INSERT committed; its answer never came back.
        yield* sql`INSERT INTO fm_api_token (name, role, lookup, digest, created_at, expires_at)
          VALUES (${mine.name}, ${mine.role}, ${mine.lookup}, ${mine.digest}, now(), NULL)`
        assert.isTrue(yield* store.create(mine, "owner"), "its own committed row was reported as a name that exists")
        assert.isFalse(yield* store.create(token("ci-bot", "b".repeat(64)), "owner"), "another token's row was taken for this one's")
      }))

    it.effect("not committed (40003 at COMMIT): run again and created once", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* raiseOnce(sql, "fm_test_ambiguous_token", `CREATE CONSTRAINT TRIGGER $fn AFTER INSERT ON fm_api_token
          DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION $fn()`)
        assert.isTrue(yield* (yield* TokenStore).create(token("deploy", "c".repeat(64)), "owner"))
        const fired = yield* sql<{ n: bigint }>`SELECT last_value AS n FROM fm_test_ambiguous_token`
        assert.strictEqual(Number(fired[0]!.n), 2, "the first attempt failed with 40003, the re-run committed")
        const rows = yield* sql<{ digest: string }>`SELECT digest FROM fm_api_token WHERE name = 'deploy'`
        assert.deepStrictEqual(rows.map((r) => r.digest), ["c".repeat(64)])
        // Issue 25.5: the audit entry went with the row, once: the failed attempt left neither.
        const audit = yield* sql<{ n: bigint }>`SELECT count(*) AS n FROM fm_audit WHERE action = 'token.create' AND subject = 'deploy'`
        assert.strictEqual(Number(audit[0]!.n), 1)
        yield* sql.unsafe("DROP TRIGGER fm_test_ambiguous_token ON fm_api_token")
      }))
  })
})
