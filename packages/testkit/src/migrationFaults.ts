import { Data, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"

/**
 * The fault hook of the migration crash test. Wraps the SqlClient so that the migrator stops dead
 * at its `n`-th statement, as a process killed at that point would: every migration statement runs
 * by itself (no transaction is open between two of them), so what the server holds is exactly what
 * a kill there would leave. Two points per statement:
 *
 * - `before`: the statement never reached the server (or the server rolled it back, which leaves
 *   the same state);
 * - `during`: the server ran it to the end (committed it) but the migrator died before the answer
 *   came back: a kill during a statement whose transaction the server committed anyway (a
 *   CockroachDB DDL statement carries on as a job once committed; a PostgreSQL one commits before
 *   it writes the answer to the dead socket).
 *
 * Once killed, nothing more reaches the server: a finalizer (the migration lock's release) dies
 * too, as in a killed process, so the lease is left to expire. `n = Infinity` only counts.
 */
export class MigrationKilled extends Data.TaggedError("MigrationKilled")<{ readonly before: number }> {}

export type KillPoint = "before" | "during"

export interface StatementCounter {
  readonly count: () => number
  /** The numbers of the statements sent as raw SQL (`sql.unsafe`: the migration steps themselves). */
  readonly raw: () => ReadonlyArray<number>
  /** The numbers of the statements that renew the migration lock's lease. */
  readonly renewals: () => ReadonlyArray<number>
}

const isTemplate = (arg: unknown): boolean => Array.isArray(arg) && Object.hasOwn(arg, "raw")

export const killBeforeStatement = (n: number, point: KillPoint = "before") => {
  let seen = 0
  let dead = false
  const raw: Array<number> = []
  const renewals: Array<number> = []
  const counter: StatementCounter = { count: () => seen, raw: () => raw, renewals: () => renewals }
  const kill = () => {
    dead = true
    return Effect.die(new MigrationKilled({ before: n }))
  }
  const guard = <A, E, R>(statement: Effect.Effect<A, E, R>, unsafe = false, renewal = false) =>
    Effect.suspend(() => {
      if (dead) return Effect.die(new MigrationKilled({ before: n }))
      seen += 1
      if (unsafe) raw.push(seen)
      if (renewal) renewals.push(seen)
      if (seen !== n) return statement
      return point === "before" ? kill() : Effect.andThen(Effect.exit(statement), kill)
    })
  const layer = Layer.effect(
    SqlClient.SqlClient,
    Effect.map(SqlClient.SqlClient, (sql) =>
      new Proxy(sql, {
        apply: (target, self, args) => {
          const result: any = Reflect.apply(target, self, args)
          return isTemplate(args[0])
            ? guard(result, false, /^UPDATE fm_migration_lock\b/.test(String((args[0] as ReadonlyArray<string>)[0]).trim()))
            : result
        },
        get: (target, property, receiver) => {
          const value = Reflect.get(target, property, receiver)
          return property === "unsafe" ? (...args: Array<unknown>) => guard(Reflect.apply(value as Function, target, args), true) : value
        }
      }))
  )
  return { layer, counter }
}
