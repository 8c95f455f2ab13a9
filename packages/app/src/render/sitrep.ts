import { documentOf, documentToJson, type HistoryEntry, type KindRegistry, type Sitrep } from "@fm-rendezvous/domain"
import { plural, renderColumns, renderRows, text } from "./table.ts"

/**
 * A stored sitrep in the document shape of SPEC 7.1 (domain `documentOf`), plus what the store
 * assigned: its version, when and by whom it was published (issue 25.4: `publishedBy` is the
 * publishing token's name or actor; `creatorId` stays the planner's own label from the document).
 */
export const sitrepToJson = (registry: KindRegistry, s: Sitrep) => {
  const { cases, ...doc } = documentToJson(documentOf(registry, s))
  const { id, parentId, creatorId, comment, generations } = doc as typeof doc & { generations: Record<string, number | string> }
  return { id, parentId, version: s.version, creatorId, publishedBy: s.publishedBy, timeCreated: s.timeCreated.toISOString(), comment, generations, cases }
}

/** One entry of the history (SPEC 8.3 `GET /v1/sitreps`, `fm sitrep list`): a stored sitrep without its cases. */
export const historyEntryToJson = (registry: KindRegistry, e: HistoryEntry) => {
  const { cases: _cases, ...entry } = sitrepToJson(registry, { ...e, cases: [] })
  return entry
}

/** The history newest first, one line per version. */
export const renderHistory = (registry: KindRegistry, entries: ReadonlyArray<HistoryEntry>): string =>
  entries.length === 0
    ? "No sitrep has been published yet."
    : renderColumns(
      // "by" is who published it (issue 25.4); the planner's own label is the document's creatorId.
      ["version", "id", "created", "by", "planner's label", "generations", "comment"],
      entries.map((e) => [
        String(e.version),
        e.id,
        e.timeCreated.toISOString(),
        e.publishedBy ?? "(not recorded)",
        e.creatorId,
        registry.all.map((k) => `${k.name} ${e.generations[k.name] ?? "-"}`).join(", "),
        // A comment may hold newlines and tabs: one line per version.
        e.comment.replace(/\s+/g, " ")
      ])
    )

export const renderSitrep = (registry: KindRegistry, s: Sitrep): string => {
  const lines = renderRows([
    text("sitrep", `${s.id}  (version ${s.version})`),
    text("parent", s.parentId ?? "none (first sitrep)"),
    text("published", `${s.timeCreated.toISOString()} by ${s.publishedBy ?? "(not recorded: published before fm kept it)"}`),
    text("planner's label", `${s.creatorId} (the document's creatorId)`),
    text("comment", s.comment === "" ? "(none)" : s.comment),
    text(
      "generations",
      registry.all.map((k) => `${k.plural} ${s.generations[k.name] ?? "none"}`).join(", ")
    ),
    text("cases", `${s.cases.length} (${s.cases.filter((c) => c.closed).length} closed)`)
  ])
  for (const c of s.cases) {
    const counts = registry.all.map((k) => plural((c.requests[k.name] ?? []).length, `${k.singular} request`)).join(", ")
    lines.push(`  case ${c.id}${c.closed ? " (closed)" : ""}: ${c.comment === "" ? "" : `${c.comment}; `}${counts}`)
    for (const k of registry.all) {
      for (const r of c.requests[k.name] ?? []) lines.push(`    ${k.singular} ${r.id}`)
    }
  }
  return lines.join("\n")
}
