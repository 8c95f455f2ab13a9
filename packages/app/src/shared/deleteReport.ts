import type { DeleteOutcome } from "@fm-rendezvous/domain"
import { DisplayString, parseItem, serializeItem, Token } from "structured-headers"

/**
 * What a delete did (SPEC 3.2) in the words of the contract (issue 25.8): the `outcome` word and
 * its details, the same in `fm <kind> delete --json` (direct or remote) and in the API's
 * `fm-delete-outcome` header. The domain's plan (`DeletePlan`, with its `_tag`) stays internal.
 */
export type DeleteReport =
  /** The row is gone; `fmCreated` false: FM did not create it, and a tombstone now stands for it. Null: a server that did not say. */
  | { readonly outcome: "deleted"; readonly fmCreated: boolean | null }
  /** The row is in its destroying state (`state`); a collector removes it. */
  | { readonly outcome: "destroying"; readonly state: string; readonly fmCreated: boolean }
  /** Deleted before: when and by whom, where still known; nothing changed. */
  | { readonly outcome: "alreadyDeleted"; readonly deletedAt: string | null; readonly deletedBy: string | null }
  /** Nothing to delete (the use case refuses this as 404 / exit 1 before it is reported). */
  | { readonly outcome: "notFound" }

export const deleteReportOf = (plan: DeleteOutcome): DeleteReport => {
  switch (plan._tag) {
    case "Remove":
      return { outcome: "deleted", fmCreated: plan.fmCreated }
    case "BeginDestroying":
      return { outcome: "destroying", state: plan.state, fmCreated: plan.fmCreated }
    case "AlreadyDeleted":
      return { outcome: "alreadyDeleted", deletedAt: plan.at === null ? null : plan.at.toISOString(), deletedBy: plan.by }
    case "NotFound":
      return { outcome: "notFound" }
  }
}

/** The header that carries a delete's report on its 204 (SPEC 8.3 documents no body). */
export const DELETE_OUTCOME_HEADER = "fm-delete-outcome"

/** A structured field's keys are lower case: `fmCreated` is `fm-created` in the header. */
const paramKey = (field: string) => field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

/** A string as a structured field: a plain sf-string when it is printable ASCII, else an RFC 9651 display string. */
const text = (s: string) => (/^[\x20-\x7e]*$/.test(s) ? s : new DisplayString(s))

/**
 * The report as an RFC 9651 structured field: the outcome as a token, its details as parameters,
 * their keys in kebab case, e.g. `deleted;fm-created`, `destroying;state="destroying";fm-created`,
 * `alreadyDeleted;deleted-at="2026-11-24T10:00:00.000Z";deleted-by="alice"` (unknown ones left out).
 */
export const encodeDeleteReport = (report: DeleteReport): string => {
  const params = new Map<string, boolean | string | DisplayString>()
  for (const [key, value] of Object.entries(report)) {
    if (key === "outcome" || value === null) continue
    params.set(paramKey(key), typeof value === "boolean" ? value : text(String(value)))
  }
  return serializeItem([new Token(report.outcome), params])
}

/** The header's report, or undefined when it is absent or not one (a server from before issue 25). */
export const decodeDeleteReport = (header: string | undefined): DeleteReport | undefined => {
  if (header === undefined) return undefined
  try {
    const [word, params] = parseItem(header)
    const str = (key: string): string | null => {
      const v = params.get(paramKey(key))
      return typeof v === "string" ? v : v instanceof DisplayString ? v.toString() : null
    }
    const bool = (key: string): boolean | null => {
      const v = params.get(paramKey(key))
      return typeof v === "boolean" ? v : null
    }
    switch (word instanceof Token ? word.toString() : undefined) {
      case "deleted":
        return { outcome: "deleted", fmCreated: bool("fmCreated") }
      case "destroying":
        return { outcome: "destroying", state: str("state") ?? "destroying", fmCreated: bool("fmCreated") ?? true }
      case "alreadyDeleted":
        return { outcome: "alreadyDeleted", deletedAt: str("deletedAt"), deletedBy: str("deletedBy") }
      default:
        return undefined
    }
  } catch {
    return undefined
  }
}
