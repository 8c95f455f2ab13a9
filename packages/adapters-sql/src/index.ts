import { Kinds, RoleAuthorization } from "@fm-rendezvous/domain"
import { Layer } from "effect"
import { defaultSqlKinds, type SqlKind } from "./kind.ts"
import { SqlAuditLog } from "./audit.ts"
import { SqlCollectionBacklog } from "./backlog.ts"
import { SqlExecutorLeases } from "./executorLeases.ts"
import { SqlKinds } from "./kinds.ts"
import { SqlMarkerStore } from "./markerStore.ts"
import { SqlProgressStore, SqlReportStore } from "./progress.ts"
import { SqlResourceStore } from "./resourceStore.ts"
import { SqlSitrepStore } from "./sitrepStore.ts"
import { SqlSitrepHistory } from "./sitrepHistory.ts"
import { SqlTokenStore } from "./tokenStore.ts"

export { alertSqlKind, defaultSqlKinds, type SqlColumn, type SqlKind, sqlKind, supportBundleSqlKind } from "./kind.ts"
export { makeSqlKindRegistry, SqlKinds, type SqlKindRegistry } from "./kinds.ts"
export { insertAudit, pruneAuditPage, selectAuditPage, SqlAuditLog } from "./audit.ts"
export { addCheck, type AppliedStep, auditTrack, coreTrack, DEFAULT_LEASE_MILLIS, executorTrack, type GuardedStatement, kindTrack, lineageTrack, migrate, type MigrateOptions, type MigrationStatement, migrationTables, type PagedStatement, runningSchemaChanges, schemaState, type SchemaState, schemaVersions, tokenTrack } from "./migrations.ts"
export { selectHistoryPage, SqlSitrepHistory } from "./sitrepHistory.ts"
export { selectTokenByLookup, SqlTokenStore } from "./tokenStore.ts"
export { pgLayer, type PgOptions } from "./pool.ts"
export { checkProfile, type Dialect, DIALECTS, DialectSetting, dialectOfVersion, type Profile, profileOf, SqlProfile, STAND_IN_VARIABLE } from "./profile.ts"
export { RETRY_ATTEMPTS, RETRY_BASE_MILLIS, RETRY_CAP_MILLIS, retryDelayMillis, retrySchedule, RETRY_TIMES, withRetry } from "./retry.ts"
export { decodeSentinel, type Sentinel, SENTINELS } from "./sentinel.ts"
export { isUnavailable, sqlStateOf } from "./sqlstate.ts"
export { transactions } from "./transactions.ts"
export { describeSqlError, RetriesExhausted, storeError, toStoreError } from "./wording.ts"

export interface SqlLayerOptions {
  readonly kinds?: ReadonlyArray<SqlKind>
}

/**
 * Every port of the domain on PostgreSQL / CockroachDB, over the given SqlClient and SqlProfile
 * (both from `pgLayer`): the kind registries (the domain's, and the SQL one derived from it,
 * registered once), role authorization and the stores.
 */
export const sqlLayer = (options?: SqlLayerOptions) => {
  const kinds = options?.kinds ?? defaultSqlKinds
  const stores = Layer.mergeAll(SqlSitrepStore, SqlResourceStore, SqlMarkerStore, SqlProgressStore, SqlReportStore, SqlCollectionBacklog, SqlTokenStore, SqlSitrepHistory, SqlExecutorLeases, SqlAuditLog)
  return stores.pipe(
    Layer.provideMerge(SqlKinds.layer(kinds)),
    Layer.provideMerge(Kinds.layer(kinds.map((k) => k.kind))),
    Layer.merge(RoleAuthorization)
  )
}
