import type { AuditAction, AuditEntry } from "@fm-rendezvous/domain"
import { plural, renderColumns } from "./table.ts"

/** One audit entry as `fm audit --json`, `GET /v1/audit` and `fm explain --json` print it. */
export const auditEntryToJson = (e: AuditEntry) => ({
  id: e.id,
  at: e.at.toISOString(),
  actor: e.actor,
  action: e.action,
  kind: e.kind,
  subject: e.subject,
  version: e.version,
  outcome: e.outcome,
  detail: e.detail
})

export type AuditEntryJson = ReturnType<typeof auditEntryToJson>

/** The JSON form back to the entry (the command line's client). */
export const auditEntryFromJson = (json: AuditEntryJson): AuditEntry => ({
  ...json,
  at: new Date(json.at),
  action: json.action as AuditAction
})

/** What the entry was about, in words: `alert 0a...`, `sitrep 5f... (version 3)`, `token ci`. */
const what = (e: AuditEntry): string =>
  e.action === "publish"
    ? `sitrep ${e.subject}${e.version === null ? "" : ` (version ${e.version})`}`
    : e.action === "prune"
    ? `history (keep ${String(e.detail["keep"])}: removed ${plural(Number(e.detail["removedVersions"]), "version")})`
    : e.action.startsWith("token.")
    ? `token ${e.subject}`
    : `${e.kind ?? "resource"} ${e.subject}`

export const renderAuditLine = (e: AuditEntry): string => `${e.at.toISOString()}  ${e.actor}  ${e.action} ${what(e)}: ${e.outcome}`

export const renderAuditList = (entries: ReadonlyArray<AuditEntry>): string =>
  entries.length === 0
    ? "No audit entries."
    : renderColumns(["at", "actor", "action", "what", "outcome"], entries.map((e) => [e.at.toISOString(), e.actor, e.action, what(e), e.outcome]))
