import { type Explanation, type Generation, generationToJson, type KindRegistry } from "@fm-rendezvous/domain"
import { auditEntryToJson, renderAuditLine } from "./audit.ts"
import { plural, renderRows, text, yesNo } from "./table.ts"

/** SPEC 7.3 `fm explain --json`: generations through the domain's JSON encoding. */
export const explanationToJson = (e: Explanation) => ({
  id: e.id,
  kind: e.kind,
  exists: e.exists,
  state: e.state,
  fmCreated: e.fmCreated,
  createdAtGeneration: e.createdAtGeneration === null ? null : generationToJson(e.createdAtGeneration as Generation),
  droppedAtGeneration: e.droppedAtGeneration === null ? null : generationToJson(e.droppedAtGeneration as Generation),
  deleted: e.deleted,
  requestedByCurrentSitrep: e.requestedByCurrentSitrep,
  markerCollectible: e.markerCollectible,
  reason: e.reason,
  history: e.history.map(auditEntryToJson)
})

/**
 * FM created it when it has a creation marker (which says at which generation), or when it is a
 * row FM created for a case whose marker was already collected (no generation is left to say).
 */
const createdByFm = (e: Explanation): string =>
  !e.fmCreated
    ? "no"
    : e.createdAtGeneration === null
    ? "yes (its creation marker was already collected, so the generation is no longer known)"
    : `yes, at generation ${e.createdAtGeneration}`

/** SPEC 6: whether it exists, whether FM created it and when, deletion, request, collectibility. */
export const renderExplanation = (registry: KindRegistry, e: Explanation): string => {
  const kind = e.kind === null ? undefined : registry.find(e.kind)
  const noun = kind?._tag === "Some" ? kind.value.singular : "resource"
  return renderRows([
    text("id", e.id),
    text("kind", e.kind === null ? "unknown (nothing knows this id)" : noun),
    text("exists", e.exists ? `yes${e.state === null ? "" : ` (state ${e.state})`}` : "no"),
    text("created by FM", createdByFm(e)),
    ...(e.fmCreated && e.createdAtGeneration !== null
      ? [text("dropped from the sitreps", e.droppedAtGeneration === null ? "no" : `yes, at generation ${e.droppedAtGeneration}`)]
      : []),
    text("deleted by an operator", e.deleted === null ? "no" : `yes, at ${e.deleted.at} by ${e.deleted.by ?? "an unknown actor"}`),
    text("requested by the current sitrep", yesNo(e.requestedByCurrentSitrep)),
    text("marker collectible now", yesNo(e.markerCollectible)),
    text("why", e.reason),
    ...(e.history.length === 0 ? [] : [text("audit record", `${plural(e.history.length, "entry", "entries")}, newest first`)])
  ]).concat(e.history.map((h) => `  ${renderAuditLine(h)}`)).join("\n")
}
