import type { ResourceKind } from "@fm-rendezvous/domain"
import { StoreError } from "@fm-rendezvous/domain"
import { Effect, Layer } from "effect"
import type { Stores } from "./stores.ts"

/** The SQL adapter over one server URL (placeholder until adapters-sql lands). */
export const sqlStores = (
  _url: string,
  _options: { readonly kinds: ReadonlyArray<ResourceKind> | undefined; readonly migrate: boolean }
): Layer.Layer<Stores, StoreError> => Layer.unwrap(Effect.fail(new StoreError({ message: "the SQL adapter is not available yet" })))

/** `fm db migrate` (placeholder until adapters-sql lands). */
export const migrateDatabase = (_url: string): Effect.Effect<void, StoreError> => Effect.fail(new StoreError({ message: "the SQL adapter is not available yet" }))
