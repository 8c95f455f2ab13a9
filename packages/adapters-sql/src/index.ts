import { PgClient } from "@effect/sql-pg"
import { Kinds, RoleAuthorization } from "@fm-rendezvous/domain"
import { Layer, Redacted } from "effect"
import { defaultSqlKinds, type SqlKind } from "./kind.ts"
import { SqlCollectionBacklog } from "./backlog.ts"
import { SqlKinds } from "./kinds.ts"
import { SqlMarkerStore } from "./markerStore.ts"
import { SqlProgressStore, SqlReportStore } from "./progress.ts"
import { SqlResourceStore } from "./resourceStore.ts"
import { SqlSitrepStore } from "./sitrepStore.ts"
import { SqlSitrepHistory } from "./sitrepHistory.ts"
import { SqlTokenStore } from "./tokenStore.ts"

export { alertSqlKind, defaultSqlKinds, type SqlColumn, type SqlKind, sqlKind, supportBundleSqlKind } from "./kind.ts"
export { SqlKinds } from "./kinds.ts"
export { type AppliedStep, coreTrack, kindTrack, migrate, schemaVersions } from "./migrations.ts"
export { selectHistoryPage, SqlSitrepHistory } from "./sitrepHistory.ts"
export { selectTokenByLookup, SqlTokenStore, tokenTrack } from "./tokenStore.ts"
export { decodeSentinel, type Sentinel, SENTINELS } from "./sentinel.ts"
export { describeSqlError, RETRY_ATTEMPTS, retriesExhausted, serializable, storeError, transaction, withRetry } from "./run.ts"

export interface SqlLayerOptions {
  readonly kinds?: ReadonlyArray<SqlKind>
}

/**
 * Every port of the domain on PostgreSQL / CockroachDB, over the given SqlClient: the kind
 * registry (domain and SQL descriptors, registered once), role authorization and the stores.
 */
export const sqlLayer = (options?: SqlLayerOptions) => {
  const kinds = options?.kinds ?? defaultSqlKinds
  const stores = Layer.mergeAll(SqlSitrepStore, SqlResourceStore, SqlMarkerStore, SqlProgressStore, SqlReportStore, SqlCollectionBacklog, SqlTokenStore, SqlSitrepHistory)
  return stores.pipe(
    Layer.provideMerge(SqlKinds.layer(kinds)),
    Layer.provideMerge(Kinds.layer(kinds.map((k) => k.kind))),
    Layer.merge(RoleAuthorization)
  )
}

export interface PgOptions {
  readonly maxConnections?: number
  /** Session default isolation: the concurrency tests run the same statements under both. */
  readonly isolation?: "read committed" | "serializable"
}

/** A PostgreSQL (or CockroachDB) client pool for `url`. */
export const pgLayer = (url: string, options?: PgOptions) =>
  PgClient.layer({
    url: Redacted.make(url),
    maxConnections: options?.maxConnections ?? 8,
    ...(options?.isolation === undefined
      ? {}
      : { startupParameters: { default_transaction_isolation: options.isolation } })
  })
