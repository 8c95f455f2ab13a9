import { publishAsAdmin } from "../support/ports.ts"
import { assert, describe, layer } from "@effect/vitest"
import {
  type Generation,
  type KindName,
  MarkerStore,
  requestsOf,
  ResourceStore,
  SitrepStore
} from "@fm-rendezvous/domain"
import { Deferred, Effect, Fiber, Option } from "effect"
import { SqlProfile, transactions } from "@fm-rendezvous/adapters-sql"
import { SqlClient } from "effect/sql"
import * as R from "../../packages/adapters-sql/src/resources.ts"
import { sitrepDoc } from "../support/documents.ts"
import { allKinds, freshSqlLayer, uuid } from "./fixtures.ts"

/**
 * The races docs/SQL.md argues about, made deterministic: a statement is held inside an open
 * transaction while another actor, on another connection, tries to overtake it.
 */
const alert = "alert" as KindName
const alertSql = allKinds[0]!

describe("races, held open on purpose (docs/SQL.md)", () => {
  layer(freshSqlLayer(), { excludeTestServices: true })((it) => {
    it.effect("a publish that drops an id, racing a guarded creation of it in flight, leaves no unmarked marker; the sweep collects what was created", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const profile = yield* SqlProfile
        const sitreps = yield* SitrepStore
        const [s1, s2, c1, a1] = [uuid(1), uuid(1), uuid(1), uuid(1)]
        yield* publishAsAdmin(sitrepDoc({ id: s1, parentId: null, cases: [{ id: c1, alerts: [a1] }] }))
        const held = Option.getOrThrow(yield* sitreps.current)

        const inserted = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        // Each attempt's outcome: the creation is re-run when its commit loses a serialization race.
        const attempts: Array<"created" | "stale" | "other"> = []
        const creator = yield* Effect.forkChild(transactions(sql, profile).readWrite(Effect.gen(function*() {
          const rows = yield* R.createGuardedBatch(sql, alertSql, held.generations[alert]!, requestsOf(held, alert), new Date(), profile)
          attempts.push(rows[0]!.created === true ? "created" : rows[0]!.ok === false ? "stale" : "other")
          yield* Deferred.succeed(inserted, undefined)
          yield* Deferred.await(release)
        })))
        yield* Deferred.await(inserted)

        let published = false
        const publisher = yield* Effect.forkChild(
          Effect.tap(publishAsAdmin(sitrepDoc({ id: s2, parentId: s1, cases: [{ id: c1 }] })), () => Effect.sync(() => { published = true }))
        )
        const markers = yield* MarkerStore
        if (profile.shareLock) {
          // PostgreSQL profile: the publish's CAS waits for the creation holding the pointer FOR
          // SHARE, and its drop mark, a later statement, sees the committed marker.
          yield* Effect.sleep("300 millis")
          assert.isFalse(published, "the publish must wait for the creation holding the current-sitrep lock")
          yield* Deferred.succeed(release, undefined)
          yield* Fiber.join(creator)
          yield* Fiber.join(publisher)
          assert.deepStrictEqual(attempts, ["created"])
          const marked = Option.getOrThrow(yield* markers.get(alert, a1 as never))
          assert.strictEqual(marked.droppedAtGeneration, held.generations[alert]! + 1n)
          const page = yield* markers.sweepCandidates(alert, s2 as never, null, 10)
          assert.deepStrictEqual(page as unknown, { _tag: "Page", deleted: [a1], examined: 1, next: null })
        } else {
          // Serializable alone (CockroachDB profile). Two safe outcomes, by server (docs/SQL.md,
          // "Safety, part 1"): on PostgreSQL's SSI nothing waits: the publish commits first and
          // the creation's commit fails (40001), its re-run finding its sitrep stale, so no marker
          // is left. On CockroachDB a SERIALIZABLE read waits for another transaction's
          // uncommitted write (cockroach PR #103267): the publish waits for the creation, whose
          // marker it then marks (or it re-runs and does). Either way no marker of the dropped id
          // is left unmarked: the unsafe outcome, which fails here.
          yield* Effect.sleep("300 millis")
          const waited = !published
          yield* Deferred.succeed(release, undefined)
          yield* Fiber.join(publisher).pipe(Effect.timeout("20 seconds"))
          yield* Fiber.join(creator)
          assert.isTrue(published)
          const marker = yield* markers.get(alert, a1 as never)
          if (Option.isSome(marker)) {
            assert.strictEqual(marker.value.droppedAtGeneration, held.generations[alert]! + 1n, "a marker of the dropped id was left unmarked")
          }
          if (!waited) {
            assert.deepStrictEqual(attempts, ["created", "stale"])
            assert.isTrue(Option.isNone(marker))
          }
        }
      }))

    it.effect("a guarded creation racing a publish in flight fails closed once the publish committed", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const profile = yield* SqlProfile
        const sitreps = yield* SitrepStore
        const resources = yield* ResourceStore
        const current = Option.getOrThrow(yield* sitreps.current)
        const [s3, c2, a2] = [uuid(2), uuid(2), uuid(2)]
        // Hold the current-sitrep pointer as a publish's CAS does, in an open transaction.
        const locked = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        const publish = yield* Effect.forkChild(sql.withTransaction(Effect.gen(function*() {
          yield* sql`UPDATE sitrep_current SET version = version WHERE singleton`
          yield* Deferred.succeed(locked, undefined)
          yield* Deferred.await(release)
        })))
        yield* Deferred.await(locked)
        let done = false
        const creation = yield* Effect.forkChild(Effect.tap(
          resources.createGuarded(alert, current.generations[alert]!, []),
          () => Effect.sync(() => { done = true })
        ))
        yield* Effect.sleep("300 millis")
        // PostgreSQL profile: the guard's FOR SHARE waits for the publish holding the pointer.
        // CockroachDB profile: on PostgreSQL's SSI the plain read waits for nothing; on CockroachDB
        // it waits for the uncommitted UPDATE (cockroach PR #103267). Serializability orders the
        // two either way, so only the lock's wait is asserted; the outcome is checked below.
        if (profile.shareLock) assert.isFalse(done, "the guard waits for the publish holding the pointer")
        yield* Deferred.succeed(release, undefined)
        yield* Fiber.join(publish)
        assert.strictEqual((yield* Fiber.join(creation))._tag, "Applied")

        // A real publish moves the generation: the held generation is stale now.
        yield* publishAsAdmin(sitrepDoc({ id: s3, parentId: current.id, cases: [{ id: c2, alerts: [a2] }] }))
        const stale = yield* resources.createGuarded(alert, current.generations[alert]!, [])
        assert.deepStrictEqual(stale as unknown, { _tag: "StaleSitrep", currentGeneration: (current.generations[alert]! + 1n) as Generation })
      }))

    it.effect("two executors creating the same id at once: one Created, one AlreadyExists, one marker", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const sitreps = yield* SitrepStore
        const resources = yield* ResourceStore
        const held = Option.getOrThrow(yield* sitreps.current)
        const requests = requestsOf(held, alert)
        const inserted = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        const first = yield* Effect.forkChild(sql.withTransaction(Effect.gen(function*() {
          const rows = yield* R.createGuardedBatch(sql, alertSql, held.generations[alert]!, requests, new Date(), yield* SqlProfile)
          yield* Deferred.succeed(inserted, undefined)
          yield* Deferred.await(release)
          return rows
        })))
        yield* Deferred.await(inserted)
        const second = yield* Effect.forkChild(resources.createGuarded(alert, held.generations[alert]!, requests))
        yield* Effect.sleep("200 millis")
        yield* Deferred.succeed(release, undefined)
        const a = yield* Fiber.join(first)
        const b = yield* Fiber.join(second)
        assert.isTrue(a.every((r) => r.created === true))
        assert.deepStrictEqual(b as unknown, { _tag: "Applied", outcomes: requests.map((r) => ({ id: r.id, outcome: "AlreadyExists" })) })
      }))
  })
})
