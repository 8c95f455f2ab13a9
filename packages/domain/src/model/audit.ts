import type { DeletePlan } from "../rules/deletion.ts"

/**
 * The audit record (issue 25.5): one entry per operator action that was done, written in the same
 * atomic step as the action itself, so a refused action writes nothing and a done one is never
 * missing. Append-only: entries are never changed, only pruned by age (FM_AUDIT_RETENTION).
 */
export type AuditAction = "publish" | "prune" | "delete" | "comment" | "token.create" | "token.revoke" | "executor.forget"

export const AUDIT_ACTIONS: ReadonlyArray<AuditAction> = ["publish", "prune", "delete", "comment", "token.create", "token.revoke", "executor.forget"]

export interface AuditEntry {
  /** Unique per entry; with `at`, the order of the record (newest first). */
  readonly id: string
  readonly at: Date
  /** Who acted: the token's name (API), the --actor (direct mode), fm-executor for the daemon. */
  readonly actor: string
  readonly action: AuditAction
  /** The resource kind (`alert`, ...) for delete and comment; null for the others. */
  readonly kind: string | null
  /** What the action was on: a resource id, a sitrep id, a token or executor name, or `history` for a prune. */
  readonly subject: string
  /** The sitrep version a publish became; null otherwise. */
  readonly version: number | null
  /** What it did: published, pruned, deleted, destroying, alreadyDeleted, commented, created, revoked, alreadyRevoked, forgotten. */
  readonly outcome: string
  /** Action-specific facts (a prune's counts, a comment's text, a token's role, a planner's label). */
  readonly detail: Readonly<Record<string, unknown>>
}

/** Ids are stored in PostgreSQL's lowercase UUID form, so a filter by id finds them however typed. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
export const auditSubject = (subject: string): string => (UUID.test(subject) ? subject.toLowerCase() : subject)

/** An entry before the store gives it its id. */
export type NewAuditEntry = Omit<AuditEntry, "id">

/** What a delete did, in the words `fm alert delete --json` prints (`outcome`). */
export type DeleteOutcomeWord = "deleted" | "destroying" | "alreadyDeleted"

export const deleteOutcomeWord = (plan: Exclude<DeletePlan, { readonly _tag: "NotFound" }>): DeleteOutcomeWord =>
  plan._tag === "Remove" ? "deleted" : plan._tag === "BeginDestroying" ? "destroying" : "alreadyDeleted"

export const deleteAudit = (
  actor: string,
  kind: string,
  id: string,
  plan: Exclude<DeletePlan, { readonly _tag: "NotFound" }>,
  at: Date
): NewAuditEntry => ({
  at,
  actor,
  action: "delete",
  kind,
  subject: auditSubject(id),
  version: null,
  outcome: deleteOutcomeWord(plan),
  detail: plan._tag === "AlreadyDeleted"
    ? { firstDeletedAt: plan.at?.toISOString() ?? null, firstDeletedBy: plan.by }
    : { fmCreated: plan.fmCreated }
})

export const commentAudit = (actor: string, kind: string, id: string, comment: string, at: Date): NewAuditEntry => ({
  at,
  actor,
  action: "comment",
  kind,
  subject: auditSubject(id),
  version: null,
  outcome: "commented",
  detail: { userComment: comment }
})

export const publishAudit = (
  actor: string,
  sitrep: { readonly id: string; readonly creatorId: string; readonly timeCreated: Date },
  version: number
): NewAuditEntry => ({
  at: sitrep.timeCreated,
  actor,
  action: "publish",
  kind: null,
  subject: auditSubject(sitrep.id),
  version,
  outcome: "published",
  detail: { creatorId: sitrep.creatorId }
})

/** One page of a prune that removed something (a page that removed nothing writes no entry). */
export const pruneAudit = (
  actor: string,
  keep: number,
  removed: { readonly historyRemoved: number; readonly sitrepsRemoved: number },
  at: Date
): NewAuditEntry => ({
  at,
  actor,
  action: "prune",
  kind: null,
  subject: "history",
  version: null,
  outcome: "pruned",
  detail: { keep, removedVersions: removed.historyRemoved, removedSitreps: removed.sitrepsRemoved }
})

export const tokenCreateAudit = (
  actor: string,
  token: { readonly name: string; readonly role: string; readonly createdAt: Date; readonly expiresAt: Date | null }
): NewAuditEntry => ({
  at: token.createdAt,
  actor,
  action: "token.create",
  kind: null,
  subject: token.name,
  version: null,
  outcome: "created",
  detail: { role: token.role, expiresAt: token.expiresAt?.toISOString() ?? null }
})

export const tokenRevokeAudit = (actor: string, name: string, alreadyRevoked: boolean, at: Date): NewAuditEntry => ({
  at,
  actor,
  action: "token.revoke",
  kind: null,
  subject: name,
  version: null,
  outcome: alreadyRevoked ? "alreadyRevoked" : "revoked",
  detail: {}
})

/** `fm executor forget` (issue 25.7): an old executor's report and ended lease removed. */
export const executorForgetAudit = (actor: string, executor: string, at: Date): NewAuditEntry => ({
  at,
  actor,
  action: "executor.forget",
  kind: null,
  subject: executor,
  version: null,
  outcome: "forgotten",
  detail: {}
})

/** What a page of the record is filtered by (all optional, combined with AND). */
export interface AuditFilter {
  /** The subject: a resource id, a sitrep id, a token name. */
  readonly subject?: string | undefined
  readonly actor?: string | undefined
  /** Entries at or after this time. */
  readonly since?: Date | undefined
}

/** Where the next page starts: the last entry of the previous one (newest first). */
export interface AuditCursor {
  readonly at: Date
  readonly id: string
}

/** Newest first: the order of every page, in both adapters. */
export const auditNewestFirst = (a: AuditEntry, b: AuditEntry): number =>
  b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)

/** Whether an entry comes after `cursor` in that order and passes `filter`. */
export const auditSelects = (filter: AuditFilter, cursor: AuditCursor | null) => (e: AuditEntry): boolean =>
  (filter.subject === undefined || e.subject === filter.subject) &&
  (filter.actor === undefined || e.actor === filter.actor) &&
  (filter.since === undefined || e.at.getTime() >= filter.since.getTime()) &&
  (cursor === null || e.at.getTime() < cursor.at.getTime() || (e.at.getTime() === cursor.at.getTime() && e.id < cursor.id))
