import { pgLayer, RETRY_ATTEMPTS, retryDelayMillis, SqlProfile, storeError, transactions } from "@fm-rendezvous/adapters-sql"
import { Effect, Exit, Layer, Logger, ManagedRuntime, Scope } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freshDatabaseUrl } from "../support/postgres.ts"

/**
 * Fault: real serialization failures (SQLSTATE 40001). A SERIALIZABLE step reads a row (its
 * snapshot), then another connection commits an update of that row, then the step updates it:
 * PostgreSQL refuses with 40001 "could not serialize access due to concurrent update". The
 * adapter's retry (packages/adapters-sql/src/retry.ts) must re-run the step with backoff, stop at its
 * bound, and then say so: in the error an operator reads and in a logged warning.
 */
let url = ""
let scope: Scope.Closeable
let mine: ManagedRuntime.ManagedRuntime<SqlClient.SqlClient | SqlProfile, unknown>
let rival: ManagedRuntime.ManagedRuntime<SqlClient.SqlClient, unknown>
const warnings: Array<string> = []

beforeAll(async () => {
  scope = await Effect.runPromise(Scope.make())
  url = await Effect.runPromise(Scope.provide(freshDatabaseUrl, scope))
  const capture = Logger.layer([Logger.make(({ message }) => void warnings.push(String(Array.isArray(message) ? message.join(" ") : message)))])
  mine = ManagedRuntime.make(Layer.merge(pgLayer(url, { maxConnections: 1 }), capture))
  rival = ManagedRuntime.make(pgLayer(url, { maxConnections: 1 }))
  await rival.runPromise(Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.andThen(sql`CREATE TABLE fault_counter (id INT PRIMARY KEY, v INT NOT NULL)`, sql`INSERT INTO fault_counter VALUES (1, 0)`)))
})
afterAll(async () => {
  await mine?.dispose()
  await rival?.dispose()
  if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
})

/** The step: read, let the rival commit an update of the same row (for the first `conflicts` attempts), update. */
const step = (conflicts: number, attempts: Array<number>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return yield* transactions(sql, yield* SqlProfile).serializable(
      Effect.gen(function*() {
        attempts.push(performance.now())
        yield* sql`SELECT v FROM fault_counter WHERE id = 1`
        if (attempts.length <= conflicts) {
          yield* Effect.promise(() => rival.runPromise(Effect.flatMap(SqlClient.SqlClient, (r) => r`UPDATE fault_counter SET v = v + 1 WHERE id = 1`)))
        }
        yield* sql`UPDATE fault_counter SET v = v + 100 WHERE id = 1`
      })
    ).pipe(storeError("bumping the fault counter"))
  })

const counter = () => rival.runPromise(Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ v: number }>`SELECT v FROM fault_counter WHERE id = 1`)).then((r) => r[0]!.v)
const gaps = (ts: ReadonlyArray<number>) => ts.slice(1).map((t, i) => t - ts[i]!)

describe("fault: serialization failures (40001)", () => {
  it("are retried with growing backoff until the step succeeds; failed attempts wrote nothing", async () => {
    const attempts: Array<number> = []
    const before = await counter()
    await mine.runPromise(step(4, attempts))
    expect(attempts).toHaveLength(5)
    // 4 rival updates (+1 each) and exactly one successful step (+100): failed attempts left nothing.
    expect(await counter()).toBe(before + 4 + 100)
    const g = gaps(attempts)
    // Exponential backoff from 5 ms, jittered: the i-th re-run waits at least half of 5 * 2^i ms.
    g.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(retryDelayMillis(5 * 2 ** i, 0) - 1))
    console.log(
      `fault serialization-retry: injected 4 real 40001 conflicts; the step succeeded on attempt 5 after backoffs of ` +
        `${g.map((x) => x.toFixed(0)).join(", ")} ms (at least 2.5, 5, 10, 20 ms: exponential, jittered); counter +104 (4 rival + 1 step): nothing written twice`
    )
  })

  it("stop at the bound, and the failure says it gave up (error and logged warning)", async () => {
    const attempts: Array<number> = []
    const before = await counter()
    warnings.length = 0
    const exit = await mine.runPromiseExit(step(1000, attempts))
    expect(Exit.isFailure(exit)).toBe(true)
    expect(attempts).toHaveLength(RETRY_ATTEMPTS)
    expect(await counter()).toBe(before + RETRY_ATTEMPTS) // only the rival's updates
    const error = Exit.isFailure(exit) ? (exit.cause.reasons[0] as any).error : undefined
    expect(error?._tag).toBe("StoreError")
    expect(error.attempts).toBe(RETRY_ATTEMPTS)
    expect(error.message).toBe(
      `bumping the fault counter failed: could not serialize access due to concurrent update (SQLSTATE 40001); gave up after ${RETRY_ATTEMPTS} attempts with backoff`
    )
    const warned = warnings.filter((w) => w.includes(`gave up after ${RETRY_ATTEMPTS} attempts`))
    expect(warned).toHaveLength(1)
    const total = attempts[attempts.length - 1]! - attempts[0]!
    console.log(
      `fault serialization-bound: injected a 40001 conflict on every attempt; the step ran ${attempts.length} times over ` +
        `${total.toFixed(0)} ms and failed with "${error.message}"; warning logged: "${warned[0]}"; the row kept only the rival's ${RETRY_ATTEMPTS} updates`
    )
  })
})
