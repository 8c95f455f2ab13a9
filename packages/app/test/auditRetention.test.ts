import { assert, describe, it } from "@effect/vitest"
import { memoryLayer } from "@fm-rendezvous/adapters-memory"
import { AuditLog, TokenStore } from "@fm-rendezvous/domain"
import { Cause, ConfigProvider, Duration, Effect } from "effect"
import { TestClock } from "effect/testing"
import { ExecutorSettings } from "../src/config.ts"
import { pruneAuditRecord } from "../src/daemon/housekeeping.ts"
import { type Failure, verdictOf } from "../src/shared/failure.ts"

/** Issue 25.5: the audit record's retention, a setting in the one duration syntax, pruned in bounded rounds. */
const DAY = 86_400_000

const settings = (env: Record<string, string>) =>
  Effect.result(ExecutorSettings).pipe(Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env })))

describe("the audit record's retention (issue 25.5)", () => {
  it.effect("FM_AUDIT_RETENTION is 90 days unless set, in the one duration syntax; a bad value names the variable", () =>
    Effect.gen(function*() {
      const unset = yield* settings({})
      assert.strictEqual(unset._tag === "Success" && Duration.toMillis(unset.success.auditRetention), 90 * DAY)
      const set = yield* settings({ FM_AUDIT_RETENTION: "2w" })
      assert.strictEqual(set._tag === "Success" && Duration.toMillis(set.success.auditRetention), 14 * DAY)
      const bad = yield* settings({ FM_AUDIT_RETENTION: "forever-ish" })
      assert.strictEqual(bad._tag, "Failure")
      if (bad._tag === "Failure") assert.match(verdictOf(Cause.fail(bad.failure as Failure)).sentence, /^Configuration FM_AUDIT_RETENTION /)
    }))

  it.effect("removes only entries older than the retention, at most the pages of one round at a time", () =>
    Effect.gen(function*() {
      const tokens = yield* TokenStore
      const token = (n: number, at: number) => ({
        name: `t${n}`, role: "viewer" as const, lookup: n.toString(16).padStart(16, "0"), digest: "d".repeat(64), createdAt: new Date(at), expiresAt: null
      })
      // 25 entries on day 1, 3 on day 50.
      for (let n = 0; n < 25; n++) yield* tokens.create(token(n, DAY), "owner")
      for (let n = 25; n < 28; n++) yield* tokens.create(token(n, 50 * DAY), "owner")
      yield* TestClock.setTime(100 * DAY)
      const retention = Duration.days(90)
      assert.strictEqual(yield* pruneAuditRecord(retention, 10, 2), 20, "one round: two pages of ten")
      assert.strictEqual(yield* pruneAuditRecord(retention, 10, 2), 5, "the next round: the rest of the backlog")
      assert.strictEqual(yield* pruneAuditRecord(retention, 10, 2), 0)
      const left = yield* (yield* AuditLog).page({}, null, 100)
      assert.deepStrictEqual(left.map((e) => e.subject).sort(), ["t25", "t26", "t27"])
    }).pipe(Effect.provide(memoryLayer())))
})
