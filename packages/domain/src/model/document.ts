import { Result, Schema, SchemaIssue } from "effect"
import type { KindRegistry } from "../kinds/registry.ts"
import { GenerationFromJson } from "./generation.ts"
import { CaseId, ResourceId, SitrepId } from "./ids.ts"
import { Comment, Name } from "./text.ts"

/**
 * The sitrep document of SPEC 7.1, as a planner writes it. The case schema is built from the
 * kind registry: each kind contributes its `documentField` (alertRequests, ...), so adding a kind
 * adds a field without touching this file.
 */
export const makeSitrepDocument = (registry: KindRegistry) =>
  Schema.Struct({ ...documentHeader, parentId: Schema.NullOr(SitrepId), cases: Schema.Array(makeCaseDocument(registry)) })

/** The header fields of SPEC 7.1, shared with the delta document of 7.1a (whose parentId is not null). */
export const documentHeader = {
  id: SitrepId,
  creatorId: Name(256),
  comment: Comment,
  generations: Schema.optionalKey(Schema.Record(Schema.String, GenerationFromJson))
}

/** A case as SPEC 7.1 writes it: each kind's requests in its `documentField`, all optional. */
export const makeCaseDocument = (registry: KindRegistry) => {
  const requestFields: Record<string, Schema.Top> = {}
  for (const kind of registry.all) {
    const request = Schema.Struct({ id: ResourceId, ...kind.requestFields })
    requestFields[kind.documentField] = Schema.optionalKey(Schema.Array(request))
  }
  return Schema.Struct({ id: CaseId, comment: Comment, closed: Schema.Boolean, ...requestFields })
}

export interface CaseDocument {
  readonly id: CaseId
  readonly comment: string
  readonly closed: boolean
  readonly [documentField: string]: unknown
}

export interface SitrepDocument {
  readonly id: SitrepId
  readonly parentId: SitrepId | null
  readonly creatorId: string
  readonly comment: string
  readonly generations?: Readonly<Record<string, bigint>>
  readonly cases: ReadonlyArray<CaseDocument>
}

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const renderPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("")

/** Turns a schema failure into one sentence that names the field and the problem. */
export const describeSchemaError = (what: string, error: Schema.SchemaError): string => {
  const issues = formatter(error.issue).issues.map((i) => ({
    path: renderPath((i.path ?? []).map((p) => (typeof p === "object" ? p.key : p))),
    message: i.message
  }))
  const first = issues[0]
  if (first === undefined) return `${what} is invalid.`
  const message = first.message
    .replace(/^Expected no excess property$/, "is not a known field")
    .replace(/^Missing key$/, "is required")
    .replace(/^Expected (object|array|string|number|boolean)(.*)$/, (_m, t: string, rest: string) =>
      `must be ${t === "array" || t === "object" ? "an" : "a"} ${t}${rest}`)
    .replaceAll(" | ", " or ")
  // A union reports one issue per alternative at the same path: count other fields only.
  const others = new Set(issues.filter((i) => i.path !== first.path).map((i) => i.path)).size
  const more = others > 0 ? ` (and ${others} more field${others > 1 ? "s" : ""} with problems)` : ""
  return first.path === ""
    ? `${what} is invalid: ${message}${more}.`
    : `${what} is invalid: ${first.path} ${message}${more}.`
}

export const decodeSitrepDocument = (registry: KindRegistry) => {
  const decode = Schema.decodeUnknownResult(makeSitrepDocument(registry))
  return (input: unknown): Result.Result<SitrepDocument, string> =>
    Result.mapError(
      decode(input, { onExcessProperty: "error", errors: "all" }) as Result.Result<SitrepDocument, Schema.SchemaError>,
      (e) => describeSchemaError("The sitrep document", e)
    )
}
