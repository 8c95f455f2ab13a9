import { executorForgetAudit, type ExecutorProcess, ExecutorLeases, type LeaseClaim, type LeaseOutcome, StoreError } from "@fm-rendezvous/domain"
import { Clock, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { SqlProfile } from "./profile.ts"
import { insertAudit } from "./audit.ts"
import { withRetry } from "./retry.ts"
import { toDate } from "./rows.ts"
import { transactions } from "./transactions.ts"
import { storeError } from "./wording.ts"

/**
 * Executor name leases (issue 25, item 7; table `executor_lease`, track `executors`): one row per
 * executor name. Every time is the server's `now()`, so whether a lease is live does not depend on
 * the clocks of the hosts that hold or read it.
 */
type Sql = SqlClient.SqlClient

interface LeaseRow {
  readonly executor: string
  readonly host: string
  readonly pid: bigint | number | string
  readonly instance: string
  readonly started_at: Date
  readonly renewed_at: Date
  readonly expires_at: Date
  readonly released_at: Date | null
  readonly live: boolean
}

const columns = "executor, host, pid, instance, started_at, renewed_at, expires_at, released_at, expires_at > now() AS live"

const toProcess = (r: LeaseRow): ExecutorProcess => ({
  executor: r.executor,
  host: r.host,
  pid: Number(r.pid),
  instance: r.instance,
  startedAt: toDate(r.started_at),
  renewedAt: toDate(r.renewed_at),
  expiresAt: toDate(r.expires_at),
  releasedAt: r.released_at === null ? null : toDate(r.released_at),
  live: r.live === true
})

/**
 * ONE upsert takes the name (no row, an expired or released lease) or renews it (this instance's);
 * a live lease of another instance is left as it is and nothing is returned. `started_at` stays
 * when an instance renews its own lease.
 */
export const claimLease = (sql: Sql, c: LeaseClaim) =>
  sql<LeaseRow>`INSERT INTO executor_lease (executor, host, pid, instance, started_at, renewed_at, expires_at, released_at)
    VALUES (${c.executor}, ${c.host}, ${BigInt(c.pid)}, ${c.instance}, now(), now(),
      now() + CAST(${c.ttlMillis} AS INT8) * INTERVAL '1 millisecond', NULL)
    ON CONFLICT (executor) DO UPDATE SET
      host = excluded.host, pid = excluded.pid, instance = excluded.instance,
      started_at = CASE WHEN executor_lease.instance = excluded.instance THEN executor_lease.started_at ELSE excluded.started_at END,
      renewed_at = excluded.renewed_at, expires_at = excluded.expires_at, released_at = NULL
    WHERE executor_lease.instance = excluded.instance OR executor_lease.expires_at <= now()
    RETURNING ${sql.literal(columns)}`

export const selectLease = (sql: Sql, executor: string) =>
  sql<LeaseRow>`SELECT ${sql.literal(columns)} FROM executor_lease WHERE executor = ${executor}`

/** A graceful stop: the lease ends now; a lease another instance took since is not touched. */
export const releaseLease = (sql: Sql, executor: string, instance: string) =>
  sql`UPDATE executor_lease SET expires_at = now(), released_at = now() WHERE executor = ${executor} AND instance = ${instance}`

/** `fm status`: one row per executor name, read whole (as `activation_report` is). */
export const selectLeases = (sql: Sql) => sql<LeaseRow>`SELECT ${sql.literal(columns)} FROM executor_lease ORDER BY executor`

export const deleteReport = (sql: Sql, executor: string) =>
  sql<{ executor: string }>`DELETE FROM activation_report WHERE executor = ${executor} RETURNING executor`

/** Only an ended lease: one a process took since the check is kept. */
export const deleteEndedLease = (sql: Sql, executor: string) =>
  sql<{ executor: string }>`DELETE FROM executor_lease WHERE executor = ${executor} AND expires_at <= now() RETURNING executor`

export const SqlExecutorLeases = Layer.effect(
  ExecutorLeases,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const tx = transactions(sql, yield* SqlProfile)
    const holderOf = (executor: string) => Effect.map(withRetry(selectLease(sql, executor)), (rows) => rows[0] === undefined ? undefined : toProcess(rows[0]))
    // A refused claim reads the holder; a holder that let go in between makes the claim run again.
    const claimOnce = (c: LeaseClaim) =>
      Effect.gen(function*() {
        const got = yield* withRetry(claimLease(sql, c))
        if (got[0] !== undefined) return { _tag: "Held", lease: toProcess(got[0]) } as LeaseOutcome
        const holder = yield* holderOf(c.executor)
        return holder?.live === true ? { _tag: "HeldByAnother", holder } as LeaseOutcome : undefined
      })
    return ExecutorLeases.of({
      claim: (c) =>
        Effect.gen(function*() {
          for (let attempt = 1; ; attempt++) {
            const outcome = yield* claimOnce(c)
            if (outcome !== undefined) return outcome
            if (attempt >= 3) {
              return yield* new StoreError({ message: `claiming the executor name ${c.executor} failed: its lease changed hands during each of three attempts`, unavailable: true })
            }
          }
        }).pipe(storeError(`claiming the executor name ${c.executor}`)),
      release: (executor, instance) =>
        withRetry(releaseLease(sql, executor, instance)).pipe(Effect.asVoid, storeError(`releasing the executor name ${executor}`)),
      all: withRetry(selectLeases(sql)).pipe(
        // Sorted here, by code unit like the memory adapter and the reports, not by the server's collation.
        Effect.map((rows) => rows.map(toProcess).sort((a, b) => (a.executor < b.executor ? -1 : 1))),
        storeError("reading executor leases")
      ),
      forget: (grant, executor) =>
        tx.serializable(Effect.gen(function*() {
          const lease = (yield* selectLease(sql, executor))[0]
          if (lease !== undefined && lease.live === true) return { _tag: "Live", holder: toProcess(lease) } as const
          const reports = yield* deleteReport(sql, executor)
          const leases = yield* deleteEndedLease(sql, executor)
          if (reports.length + leases.length === 0) return { _tag: "Unknown" } as const
          yield* insertAudit(sql, executorForgetAudit(grant.actor, executor, new Date(yield* Clock.currentTimeMillis)))
          return { _tag: "Forgotten" } as const
        })).pipe(storeError(`forgetting executor ${executor}`))
    })
  })
)
