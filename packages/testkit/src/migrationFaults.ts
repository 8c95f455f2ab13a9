import { Data, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"

/**
 * The fault hook of the migration crash test. Wraps the SqlClient so that the migrator stops dead before its `n`-th statement,
 * as a process killed at that point would: every migration statement runs by itself (no
 * transaction is open between two of them), so what the server holds is exactly what a kill
 * there would leave. A statement killed while the server runs it is rolled back by the server,
 * which leaves the same state as a kill just before it. `n = Infinity` only counts.
 */
export class MigrationKilled extends Data.TaggedError("MigrationKilled")<{ readonly before: number }> {}

export interface StatementCounter {
  readonly count: () => number
}

const isTemplate = (arg: unknown): boolean => Array.isArray(arg) && Object.hasOwn(arg, "raw")

export const killBeforeStatement = (n: number) => {
  let seen = 0
  const counter: StatementCounter = { count: () => seen }
  const guard = <A, E, R>(statement: Effect.Effect<A, E, R>) =>
    Effect.suspend(() => {
      seen += 1
      return seen === n ? Effect.die(new MigrationKilled({ before: n })) : statement
    })
  const layer = Layer.effect(
    SqlClient.SqlClient,
    Effect.map(SqlClient.SqlClient, (sql) =>
      new Proxy(sql, {
        apply: (target, self, args) => {
          const result: any = Reflect.apply(target, self, args)
          return isTemplate(args[0]) ? guard(result) : result
        },
        get: (target, property, receiver) => {
          const value = Reflect.get(target, property, receiver)
          return property === "unsafe" ? (...args: Array<unknown>) => guard(Reflect.apply(value as Function, target, args)) : value
        }
      }))
  )
  return { layer, counter }
}
