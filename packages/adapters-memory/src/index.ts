import { Kinds, type ResourceKind, RoleAuthorization } from "@fm-rendezvous/domain"
import { Layer } from "effect"
import { MemoryAuditLog } from "./auditLog.ts"
import { MemoryCollectionBacklog } from "./collectionBacklog.ts"
import { MemoryDatabase } from "./database.ts"
import { MemoryExecutorLeases } from "./executorLeases.ts"
import { MemoryMarkerStore } from "./markerStore.ts"
import { MemoryProgressStore, MemoryReportStore } from "./progressStore.ts"
import { MemoryResourceStore } from "./resourceStore.ts"
import { MemorySitrepStore } from "./sitrepStore.ts"
import { MemorySitrepHistory } from "./sitrepHistory.ts"
import { MemoryTokenStore } from "./tokenStore.ts"

export { MemoryDatabase } from "./database.ts"
export type { MemoryDb } from "./state.ts"

/** Every port in memory, over one fresh database, with the given kinds registered. */
export const memoryLayer = (kinds?: ReadonlyArray<ResourceKind>) => {
  const stores = Layer.mergeAll(MemorySitrepStore, MemoryResourceStore, MemoryMarkerStore, MemoryProgressStore, MemoryReportStore, MemoryCollectionBacklog, MemoryTokenStore, MemorySitrepHistory, MemoryExecutorLeases, MemoryAuditLog)
  return stores.pipe(Layer.provideMerge(MemoryDatabase.layer), Layer.provideMerge(Kinds.layer(kinds)), Layer.merge(RoleAuthorization))
}
