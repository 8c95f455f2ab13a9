import type { Resource, ResourceKind } from "@fm-rendezvous/domain"
import { renderColumns, renderRows, text } from "./table.ts"

/** SPEC 7.3: `id`, `caseId`, `timeCreated`, and the kind's own fields (`class`, `payload`, `state`, ...). */
export const resourceToJson = (r: Resource) => ({
  id: r.id,
  kind: r.kind,
  caseId: r.caseId,
  timeCreated: r.timeCreated.toISOString(),
  ...(r.state === null ? {} : { state: r.state }),
  ...r.fields
})

const valueText = (v: unknown): string => (v === null || v === undefined ? "(none)" : typeof v === "string" ? v : JSON.stringify(v))

export const renderResource = (kind: ResourceKind, r: Resource): string =>
  renderRows([
    text(kind.singular, r.id),
    text("case", r.caseId ?? "(none)"),
    text("created", r.timeCreated.toISOString()),
    ...(r.state === null ? [] : [text("state", r.state)]),
    ...Object.entries(r.fields).map(([k, v]) => text(k, valueText(v)))
  ]).join("\n")

export const renderResourceList = (kind: ResourceKind, rows: ReadonlyArray<Resource>): string => {
  if (rows.length === 0) return `No ${kind.plural}.`
  const fieldNames = [...new Set(rows.flatMap((r) => Object.keys(r.fields)))].filter((f) => f !== "payload")
  const header = ["id", "case", "created", ...(kind.lifecycle === null ? [] : ["state"]), ...fieldNames]
  return renderColumns(
    header,
    rows.map((r) => [
      r.id,
      r.caseId ?? "",
      r.timeCreated.toISOString(),
      ...(kind.lifecycle === null ? [] : [r.state ?? ""]),
      ...fieldNames.map((f) => valueText(r.fields[f]))
    ])
  )
}
