import type { ActivationReport, ExecutorProcess, Generation, KindProgress, Reconciled, Marker, Resource, Sitrep } from "@fm-rendezvous/domain"

/**
 * The whole in-memory database. Every port call is ONE `SynchronizedRef.modify` over it, so each
 * call is atomic exactly where the SQL adapter's single statement is (the reference behaviour).
 */
export interface MemoryDb {
  /** Stored sitreps by id (history may have dropped some that are not removed yet). */
  readonly sitreps: Map<string, Sitrep>
  /** History rows, oldest first: version -> sitrep id. */
  readonly history: Array<{ readonly version: number; readonly sitrepId: string }>
  readonly resources: Map<string, Map<string, Resource>>
  /** Creation markers per kind; a GC candidate is a marker with `droppedAtGeneration` set. */
  readonly markers: Map<string, Map<string, Marker>>
  readonly progress: Map<string, KindProgress>
  /** The highest generation each kind ever had (issue 18): raised by every publish, never lowered. */
  readonly highestGenerations: Map<string, Generation>
  /** When each kind was last reconciled, by anyone (issue 18). */
  readonly reconciled: Map<string, Reconciled>
  readonly reports: Map<string, ActivationReport>
  /** Executor name leases (issue 25); `live` is judged when read. */
  readonly leases: Map<string, Omit<ExecutorProcess, "live">>
}

export const emptyDb = (): MemoryDb => ({
  sitreps: new Map(),
  history: [],
  resources: new Map(),
  markers: new Map(),
  progress: new Map(),
  highestGenerations: new Map(),
  reconciled: new Map(),
  reports: new Map(),
  leases: new Map()
})

export const tableOf = <V>(tables: Map<string, Map<string, V>>, kind: string): Map<string, V> => {
  let table = tables.get(kind)
  if (table === undefined) {
    table = new Map()
    tables.set(kind, table)
  }
  return table
}

export const currentSitrep = (db: MemoryDb): Sitrep | undefined => {
  const last = db.history[db.history.length - 1]
  return last === undefined ? undefined : db.sitreps.get(last.sitrepId)
}
