import type {
  AuditLog,
  Authorization,
  CollectionBacklog,
  ExecutorLeases,
  Kinds,
  MarkerStore,
  ProgressStore,
  ReportStore,
  ResourceStore,
  SitrepHistory,
  SitrepStore,
  TokenStore
} from "@fm-rendezvous/domain"
import { Effect, Layer } from "effect"
import type { EmbeddedDatabaseError } from "./embedded.ts"
import { sqlStores, type SqlStoresError } from "./sqlStores.ts"
import type { DatabaseTarget } from "./target.ts"

/** Every port a command may use. */
export type Stores = Kinds | Authorization | SitrepStore | ResourceStore | MarkerStore | ProgressStore | ReportStore | CollectionBacklog | TokenStore | SitrepHistory | ExecutorLeases | AuditLog

/** What opening the stores can fail with: the SQL server's fault, a bad setting, or the embedded server's start. */
export type StoresError = SqlStoresError | EmbeddedDatabaseError

export interface StoreOptions {
  /**
   * Create or upgrade the schema before use. The embedded database is created on first use, so
   * it is always migrated; an external server is migrated by `fm db migrate` (or the simulation).
   */
  readonly migrate?: boolean | undefined
}

/**
 * The single swap point between storage technologies: the memory adapter (reference behaviour)
 * or the SQL adapter on an external or the embedded PostgreSQL. The memory adapter and the
 * embedded PostgreSQL are loaded only when chosen, so `fm` starts without them (PERFORMANCE.md).
 */
export const storesLayer = (
  target: DatabaseTarget,
  options: StoreOptions = {}
): Layer.Layer<Stores, StoresError> => {
  switch (target._tag) {
    case "Memory":
      return Layer.unwrap(Effect.map(Effect.promise(() => import("@fm-rendezvous/adapters-memory")), (m) => m.memoryLayer()))
    case "Url":
      return sqlStores(target.url, { migrate: options.migrate === true })
    case "Embedded":
      return Layer.unwrap(
        Effect.flatMap(Effect.promise(() => import("./embedded.ts")), (m) =>
          Effect.map(m.embeddedPostgres(target.root), (url) => sqlStores(url, { migrate: true })))
      )
  }
}
