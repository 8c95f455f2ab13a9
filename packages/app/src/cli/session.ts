import { decodeResourceId, InvalidInput, type ResourceId } from "@fm-rendezvous/domain"
import { Effect, Result } from "effect"
import { type StoreOptions, storesLayer, type Stores } from "../database/stores.ts"
import { resolveTarget } from "../database/target.ts"
import { fm } from "./globalFlags.ts"

/** Runs a command body with every port, on the database the global flags name (SPEC 7.2). */
export const withStores = <A, E, R>(body: Effect.Effect<A, E, R>, options?: StoreOptions) =>
  Effect.gen(function*() {
    const global = yield* fm
    return yield* Effect.provide(body, storesLayer(yield* resolveTarget(global.databaseUrl), options))
  })

/** An id argument: a malformed one is bad input (exit 2), not "not found". */
export const parseResourceId = (raw: string): Effect.Effect<ResourceId, InvalidInput> => {
  const decoded = decodeResourceId(raw.trim())
  return Result.isSuccess(decoded)
    ? Effect.succeed(decoded.success)
    : Effect.fail(new InvalidInput({ message: `${JSON.stringify(raw)} is not a valid id: ids are UUIDs such as 0d6c9a8e-2f1b-4c4e-9d55-3b1c2a7f8e01.` }))
}
