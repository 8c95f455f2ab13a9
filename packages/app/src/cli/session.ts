import { defaultKinds, Kinds, makeRegistry } from "@fm-rendezvous/domain"
import { Effect, Layer, Option } from "effect"
import { type StoreOptions, storesLayer, type Stores } from "../database/stores.ts"
import { resolveTarget } from "../database/target.ts"
import { type DatabaseCondition, storesWhenReady } from "../database/waitForDatabase.ts"
import { fm, type GlobalOptions, refuseServerFlag, serverOf } from "./globalFlags.ts"
import { directOperations, type Operations } from "./operations.ts"

const onDatabase = <A, E, R>(global: GlobalOptions, body: Effect.Effect<A, E, R>, options?: StoreOptions) =>
  Effect.flatMap(resolveTarget(global.databaseUrl), (target) => Effect.provide(body, storesLayer(target, options)))

/**
 * Runs the body of a command that has no API with every port, on the database the global flags
 * name (SPEC 7.2); --server is refused there.
 */
export const withStores = <A, E, R>(body: Effect.Effect<A, E, R>, options?: StoreOptions) =>
  Effect.gen(function*() {
    const global = yield* fm
    yield* refuseServerFlag(global)
    return yield* onDatabase(global, body, options)
  })

/**
 * `withStores` for the long-running commands (`fm run`, `fm serve`): waits for the database at
 * start instead of exiting (database/waitForDatabase.ts); `onCondition` hears what it waits for.
 */
export const withStoresWhenReady = <A, E, R>(
  body: Effect.Effect<A, E, R>,
  onCondition?: (c: DatabaseCondition) => Effect.Effect<void>
) =>
  Effect.scoped(Effect.gen(function*() {
    const global = yield* fm
    yield* refuseServerFlag(global)
    const target = yield* resolveTarget(global.databaseUrl)
    const context = yield* storesWhenReady(target, onCondition)
    return yield* Effect.provideContext(body, context)
  }))

/**
 * Runs an operator command body (SPEC 8.5): through the API with --server (else FM_SERVER), else
 * on the database. The remote client is loaded only when asked for.
 */
export const withOperations = <A, E, R>(body: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const global = yield* fm
    const server = yield* serverOf(global)
    if (Option.isSome(server)) {
      const { remoteOperations } = yield* Effect.promise(() => import("./remote.ts"))
      const registry = makeRegistry(defaultKinds)
      return yield* Effect.provide(
        body,
        Layer.mergeAll(remoteOperations(global, registry, server.value), Layer.succeed(Kinds, registry))
      )
    }
    return yield* onDatabase(global, Effect.provide(body, directOperations(global)))
  })
