import type { ActivationReport, AuditEntry, ExecutorProcess, Generation, KindProgress, NewAuditEntry, Reconciled, Marker, Resource, Sitrep, TokenRecord } from "@fm-rendezvous/domain"

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
  /** API tokens by name (in the database, so a token's change and its audit entry are one step). */
  readonly tokens: Map<string, TokenRecord>
  /** The audit record (issue 25.5), in the order entries were appended. */
  readonly audit: Array<AuditEntry>
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
  tokens: new Map(),
  audit: [],
  leases: new Map()
})

/**
 * Appends an audit entry in the caller's step. Ids are a counter in UUID form, so entries of the
 * same millisecond keep the order they were written in (the SQL adapter's are random: any fixed
 * order is a valid one).
 */
export const appendAudit = (db: MemoryDb, entry: NewAuditEntry): void => {
  const n = db.audit.length + 1
  db.audit.push({ ...entry, id: `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}` })
}

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
