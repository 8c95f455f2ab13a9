import { Context, type Effect } from "effect"
import type { StoreError } from "../errors.ts"
import type { AuditCursor, AuditEntry, AuditFilter } from "../model/audit.ts"

/**
 * The audit record of operator actions (issue 25.5), read side and retention. It has no write
 * method of its own on purpose: an entry is written by the port call that does the action, in the
 * same atomic step (`ResourceStore.delete` and `setUserComment`, `SitrepStore.publish` and
 * `prunePage`, `TokenStore.create` and `revoke`), so a refused or failed action writes nothing and
 * a done one cannot lose its entry. Entries outlive what they name (markers, rows, sitreps).
 */
export class AuditLog extends Context.Service<AuditLog, {
  /**
   * ONE statement (index-backed): up to `limit` entries that pass `filter`, after `cursor`,
   * newest first (by time, then id).
   */
  readonly page: (filter: AuditFilter, cursor: AuditCursor | null, limit: number) => Effect.Effect<ReadonlyArray<AuditEntry>, StoreError>
  /** ONE statement: removes up to `limit` of the oldest entries older than `before`; how many it removed. */
  readonly prune: (before: Date, limit: number) => Effect.Effect<number, StoreError>
}>()("fm/AuditLog") {}
