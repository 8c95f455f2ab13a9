import { migrate, pgLayer, sqlLayer, toStoreError } from "@fm-rendezvous/adapters-sql"
import type { StoreError } from "@fm-rendezvous/domain"
import { type Config, Effect, Layer } from "effect"
import type { SqlError } from "effect/sql"

/** What opening or migrating a SQL database can fail with: the server's fault, or a bad FM_DATABASE_DIALECT. */
export type SqlStoresError = StoreError | Config.ConfigError

const connecting = (e: SqlError.SqlError) => toStoreError("connecting to the database", e)
const migrating = (e: SqlError.SqlError) => toStoreError("migrating the database schema", e)

/**
 * The client pool (with its profile) for `url`, migrated first if asked. A server that cannot be
 * reached fails here as a StoreError marked unavailable (exit code 3, HTTP 503).
 */
const client = (url: string, options: { readonly migrate: boolean }) => {
  const pool = Layer.effectContext(
    Effect.mapError(Layer.build(pgLayer(url)), (e) => (e._tag === "SqlError" ? connecting(e) : e))
  )
  return options.migrate
    ? Layer.effectDiscard(Effect.mapError(migrate(), (e) => (e._tag === "StoreError" ? e : migrating(e)))).pipe(Layer.provideMerge(pool))
    : pool
}

/** Every port on the SQL adapter over one PostgreSQL/CockroachDB URL, migrated first if asked. */
export const sqlStores = (url: string, options: { readonly migrate: boolean }) =>
  sqlLayer().pipe(Layer.provide(client(url, options)))

/** `fm db migrate`: create or upgrade the schema (idempotent: the adapter records what it applied). */
export const migrateDatabase = (url: string): Effect.Effect<void, SqlStoresError> =>
  Effect.scoped(Effect.provide(Effect.void, client(url, { migrate: true })))
