import { describe } from "@effect/vitest"
import { AuditLog, commentResource, deleteResource, type AuditEntry, type AuditFilter, TokenStore } from "@fm-rendezvous/domain"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { assert, type ContractTest, A, B, C, S, kindDescriptor, firstSitrep } from "./fixtures.ts"
import { activateHeld, admin, publish, rid, viewer } from "./helpers.ts"
import { pruneAsAdmin } from "../support/ports.ts"

const all = (filter: AuditFilter = {}) => Effect.flatMap(AuditLog, (log) => log.page(filter, null, 1000))
const summary = (entries: ReadonlyArray<AuditEntry>) => entries.map((e) => `${e.actor} ${e.action} ${e.subject} ${e.outcome}`)

/**
 * The audit record (issue 25.5) on both adapters: each done operator action appends one entry in
 * its own atomic step; refused actions append nothing; pages come newest first and follow their
 * cursor; entries outlive the markers they name; pruning removes only entries older than asked.
 */
export const auditContract = (test: ContractTest) =>
  describe("the audit record (issue 25.5)", () => {
    test("records publish, delete, a repeat delete, comment and prune, by the grant's actor, newest first", () =>
      Effect.gen(function*() {
        const v1 = yield* firstSitrep
        yield* activateHeld(v1)
        const alerts = yield* kindDescriptor("alert")
        const bundles = yield* kindDescriptor("support_bundle")
        yield* TestClock.adjust(1_000)
        yield* deleteResource(admin, alerts, rid(A(1)))
        yield* TestClock.adjust(1_000)
        yield* deleteResource({ name: "bob", role: "admin" }, alerts, rid(A(1)))
        yield* TestClock.adjust(1_000)
        yield* commentResource(admin, bundles, rid(B(1)), "looked at it")
        yield* TestClock.adjust(1_000)
        yield* publish({ id: S(2), parentId: S(1), cases: [{ id: C(1), alerts: [A(2)], bundles: [B(1)] }] })
        yield* TestClock.adjust(1_000)
        yield* pruneAsAdmin(1, 10)
        const entries = yield* all()
        assert.deepStrictEqual(summary(entries), [
          "alice prune history pruned",
          `alice publish ${S(2)} published`,
          `alice comment ${B(1)} commented`,
          `bob delete ${A(1)} alreadyDeleted`,
          `alice delete ${A(1)} deleted`,
          `alice publish ${S(1)} published`
        ])
        const [pruned, published, commented, again, deleted] = entries
        assert.deepStrictEqual(pruned!.detail, { keep: 1, removedVersions: 1, removedSitreps: 1 })
        assert.strictEqual(published!.version, 2)
        assert.deepStrictEqual(commented!.detail, { userComment: "looked at it" })
        assert.strictEqual(commented!.kind, "support_bundle")
        assert.strictEqual(deleted!.kind, "alert")
        assert.strictEqual(deleted!.at.getTime(), 1_000)
        assert.deepStrictEqual(again!.detail, { firstDeletedAt: new Date(1_000).toISOString(), firstDeletedBy: "alice" })
        // Filters, each alone and together.
        assert.deepStrictEqual(summary(yield* all({ subject: A(1) })), [`bob delete ${A(1)} alreadyDeleted`, `alice delete ${A(1)} deleted`])
        assert.deepStrictEqual(summary(yield* all({ actor: "bob" })), [`bob delete ${A(1)} alreadyDeleted`])
        assert.deepStrictEqual(summary(yield* all({ subject: A(1), actor: "alice" })), [`alice delete ${A(1)} deleted`])
        assert.strictEqual((yield* all({ since: new Date(3_000) })).length, 3)
      }))

    test("a refused action writes nothing: a viewer's delete, a delete of nothing, a comment on nothing", () =>
      Effect.gen(function*() {
        yield* firstSitrep
        const before = (yield* all()).length
        const alerts = yield* kindDescriptor("alert")
        const bundles = yield* kindDescriptor("support_bundle")
        assert.strictEqual((yield* Effect.flip(deleteResource(viewer, alerts, rid(A(1)))))._tag, "NotAuthorized")
        assert.strictEqual((yield* Effect.flip(deleteResource(admin, alerts, rid(A(9)))))._tag, "NotFound")
        assert.strictEqual((yield* Effect.flip(commentResource(admin, bundles, rid(B(9)), "x")))._tag, "NotFound")
        // A publish refused (its parent is not current) writes no entry either.
        assert.strictEqual((yield* Effect.flip(publish({ id: S(3), parentId: S(7), cases: [] })))._tag, "ParentNotCurrent")
        assert.strictEqual((yield* all()).length, before)
      }))

    test("token creation and revocation, with a repeat revoke and a name taken", () =>
      Effect.gen(function*() {
        const tokens = yield* TokenStore
        const token = (name: string, digest: string) => ({ name, role: "viewer" as const, lookup: digest.slice(0, 16), digest, createdAt: new Date(0), expiresAt: null })
        assert.isTrue(yield* tokens.create(token("ci", "a".repeat(64)), "owner"))
        assert.isFalse(yield* tokens.create(token("ci", "b".repeat(64)), "owner"))
        assert.isTrue(yield* tokens.revoke("ci", new Date(10), "owner"))
        assert.isTrue(yield* tokens.revoke("ci", new Date(20), "other"))
        assert.isFalse(yield* tokens.revoke("nobody", new Date(30), "owner"))
        assert.deepStrictEqual(summary(yield* all()), [
          "other token.revoke ci alreadyRevoked",
          "owner token.revoke ci revoked",
          "owner token.create ci created"
        ])
      }))

    test("pages follow their cursor without gaps or repeats, and pruning removes only what is older than asked", () =>
      Effect.gen(function*() {
        yield* activateHeld(yield* firstSitrep)
        const bundles = yield* kindDescriptor("support_bundle")
        // Seven comments, several in the same millisecond: the id orders those.
        for (let i = 0; i < 7; i++) {
          if (i % 3 === 0) yield* TestClock.adjust(1_000)
          yield* commentResource(admin, bundles, rid(B(1)), `note ${i}`)
        }
        const log = yield* AuditLog
        const everything = yield* log.page({ subject: B(1) }, null, 1000)
        assert.strictEqual(everything.length, 7)
        for (const filter of [{}, { subject: B(1) }, { actor: "alice" }] as const) {
          const whole = yield* log.page(filter, null, 1000)
          const paged: Array<AuditEntry> = []
          let cursor: { at: Date; id: string } | null = null
          for (;;) {
            const page: ReadonlyArray<AuditEntry> = yield* log.page(filter, cursor, 3)
            paged.push(...page)
            if (page.length < 3) break
            cursor = { at: page[2]!.at, id: page[2]!.id }
          }
          assert.deepStrictEqual(paged.map((e) => e.id), whole.map((e) => e.id))
        }
        // Newest first: the last comment (alone in its second) first.
        assert.deepStrictEqual(everything[0]!.detail, { userComment: "note 6" })
        // Entries at 1 s (notes 0-2) and 2 s (3-5) and 3 s (6); the publish at 0.
        assert.strictEqual(yield* log.prune(new Date(2_000), 2), 2)
        assert.strictEqual(yield* log.prune(new Date(2_000), 10), 2)
        assert.strictEqual(yield* log.prune(new Date(2_000), 10), 0)
        // Entries of the same instant are ordered by id (the SQL adapter's are random): compare those as a set.
        const left = (yield* log.page({}, null, 1000)).map((e) => String(e.detail["userComment"]))
        assert.strictEqual(left[0], "note 6")
        assert.deepStrictEqual(left.slice(1).sort(), ["note 3", "note 4", "note 5"])
      }))
  })
