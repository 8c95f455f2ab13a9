import { describe } from "@effect/vitest"
import { AuditLog, Authorization, ExecutorLeases, type LeaseClaim } from "@fm-rendezvous/domain"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { assert, type ContractTest } from "./fixtures.ts"

/** Time passes for both adapters: the memory one reads the test clock, the SQL one the server's now(). */
const pass = (ms: number) => Effect.andThen(Effect.promise(() => new Promise((r) => setTimeout(r, ms))), TestClock.adjust(ms))

const claimOf = (executor: string, instance: string, ttlMillis = 60_000): LeaseClaim => ({ executor, host: `host-${instance}`, pid: 100, instance, ttlMillis })

export const leasesContract = (test: ContractTest) =>
  describe("executor name leases (issue 25.7)", () => {
    test("one live holder per name: renewals keep it, a release frees it at once, an expiry after its time; forget only what no live process holds", () =>
      Effect.gen(function*() {
        const leases = yield* ExecutorLeases
        const grant = yield* (yield* Authorization).requireAdmin({ name: "alice", role: "admin" }, "forgetting an executor")
        const first = yield* leases.claim(claimOf("e1", "i1"))
        assert.strictEqual(first._tag, "Held")
        if (first._tag !== "Held") return
        assert.isTrue(first.lease.live)
        assert.isNull(first.lease.releasedAt)
        // Another instance is refused and told who holds the name.
        const refused = yield* leases.claim(claimOf("e1", "i2"))
        assert.strictEqual(refused._tag, "HeldByAnother")
        if (refused._tag === "HeldByAnother") assert.deepStrictEqual([refused.holder.instance, refused.holder.host, refused.holder.live], ["i1", "host-i1", true])
        // A renewal keeps when the holder started.
        yield* pass(20)
        const renewed = yield* leases.claim(claimOf("e1", "i1"))
        assert.strictEqual(renewed._tag, "Held")
        if (renewed._tag === "Held") {
          assert.strictEqual(renewed.lease.startedAt.getTime(), first.lease.startedAt.getTime())
          assert.isAbove(renewed.lease.renewedAt.getTime(), first.lease.renewedAt.getTime())
        }
        // Another name is another lease.
        assert.strictEqual((yield* leases.claim(claimOf("e2", "i2")))._tag, "Held")
        assert.strictEqual((yield* leases.forget(grant, "e1"))._tag, "Live")
        // Only the holder's release counts; then the name is free at once.
        yield* leases.release("e1", "i2")
        assert.isTrue((yield* leases.all).find((p) => p.executor === "e1")!.live)
        yield* leases.release("e1", "i1")
        const released = (yield* leases.all).find((p) => p.executor === "e1")!
        assert.isFalse(released.live)
        assert.isNotNull(released.releasedAt)
        const taken = yield* leases.claim(claimOf("e1", "i3"))
        assert.strictEqual(taken._tag, "Held")
        if (taken._tag === "Held") assert.isNull(taken.lease.releasedAt)
        // A holder that stops renewing loses the name once its lease ran out, not before.
        assert.strictEqual((yield* leases.claim(claimOf("e3", "k1", 300)))._tag, "Held")
        assert.strictEqual((yield* leases.claim(claimOf("e3", "k2", 300)))._tag, "HeldByAnother")
        yield* pass(500)
        const expired = (yield* leases.all).find((p) => p.executor === "e3")!
        assert.deepStrictEqual([expired.live, expired.releasedAt], [false, null])
        const successor = yield* leases.claim(claimOf("e3", "k2", 300))
        assert.strictEqual(successor._tag, "Held")
        // The killed holder, resumed, is refused: the name is the successor's.
        assert.strictEqual((yield* leases.claim(claimOf("e3", "k1", 300)))._tag, "HeldByAnother")
        // Forget: a name no live process holds goes; then nothing is left to forget.
        yield* leases.release("e1", "i3")
        assert.strictEqual((yield* leases.forget(grant, "e1"))._tag, "Forgotten")
        assert.deepStrictEqual((yield* leases.all).map((p) => p.executor), ["e2", "e3"])
        assert.strictEqual((yield* leases.forget(grant, "e1"))._tag, "Unknown")
        // The audit record has the one forget that removed something, by whom (a refused or empty one writes nothing).
        const audit = yield* (yield* AuditLog).page({ subject: "e1" }, null, 10)
        assert.deepStrictEqual(audit.map((e) => [e.action, e.actor, e.outcome]), [["executor.forget", "alice", "forgotten"]])
      }))

    test("two processes claiming a free name at once: exactly one holds it", () =>
      Effect.gen(function*() {
        const leases = yield* ExecutorLeases
        for (let round = 0; round < 5; round++) {
          // Under SERIALIZABLE (the CockroachDB profile) the losers' statements fail with 40001 and
          // are retried after a backoff: that sleep needs the live clock, the test clock never moves.
          const outcomes = yield* TestClock.withLive(
            Effect.all(["a", "b", "c"].map((i) => leases.claim(claimOf(`race-${round}`, i))), { concurrency: "unbounded" })
          )
          assert.strictEqual(outcomes.filter((o) => o._tag === "Held").length, 1, JSON.stringify(outcomes.map((o) => o._tag)))
          const holder = outcomes.find((o) => o._tag === "Held")!
          for (const o of outcomes) if (o._tag === "HeldByAnother" && holder._tag === "Held") assert.strictEqual(o.holder.instance, holder.lease.instance)
        }
      }))
  })
