import { migrate, pgLayer, sqlLayer } from "@fm-rendezvous/adapters-sql"
import { Effect, Layer } from "effect"
import type { Stores } from "./stores.ts"

/** Every port on the SQL adapter over one PostgreSQL/CockroachDB URL, migrated first if asked. */
export const sqlStores = (url: string, options: { readonly migrate: boolean }): Layer.Layer<Stores, unknown> => {
  const client = pgLayer(url)
  const ready = options.migrate ? Layer.effectDiscard(migrate()).pipe(Layer.provideMerge(client)) : client
  return sqlLayer().pipe(Layer.provide(ready))
}

/** `fm db migrate`: create or upgrade the schema (idempotent: the adapter records what it applied). */
export const migrateDatabase = (url: string): Effect.Effect<void, unknown> =>
  Effect.scoped(Effect.provide(Effect.asVoid(migrate()), pgLayer(url)))
