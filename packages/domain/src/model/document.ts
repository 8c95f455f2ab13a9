import { Result, Schema, SchemaIssue } from "effect"
import type { ResourceKind } from "../kinds/kind.ts"
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

/** A request as SPEC 7.1 writes it in its kind's list: its id and the kind's fields. */
export const makeRequestDocument = (kind: ResourceKind) => Schema.Struct({ id: ResourceId, ...kind.requestFields })

/** A case as SPEC 7.1 writes it: each kind's requests in its `documentField`, all optional. */
export const makeCaseDocument = (registry: KindRegistry, request: (kind: ResourceKind) => Schema.Top = makeRequestDocument) => {
  const requestFields: Record<string, Schema.Top> = {}
  for (const kind of registry.all) requestFields[kind.documentField] = Schema.optionalKey(Schema.Array(request(kind)))
  return Schema.Struct({ id: CaseId, comment: Comment, closed: Schema.Boolean, ...requestFields })
}

/**
 * The sitrep document's schema with each request left unchecked (any JSON value), issue 19: the
 * header, the cases and each kind's list are checked as by `makeSitrepDocument`, so a document
 * it refuses the full schema refuses too. `decodeAgainstParent` runs it first, then the request
 * schema on the requests that are not carried unchanged.
 */
export const makeSitrepDocumentShape = (registry: KindRegistry) =>
  Schema.Struct({ ...documentHeader, parentId: Schema.NullOr(SitrepId), cases: Schema.Array(makeCaseDocument(registry, () => Schema.Unknown)) })

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

/** At most this many problems are named in one sentence; a document with more says how many more. */
const MAX_PROBLEMS_NAMED = 20

const wording = (message: string) =>
  message
    .replace(/^Expected no excess property$/, "is not a known field")
    .replace(/^Missing key$/, "is required")
    .replace(/^Expected (object|array|string|number|boolean)(.*)$/, (_m, t: string, rest: string) =>
      `must be ${t === "array" || t === "object" ? "an" : "a"} ${t}${rest}`)
    .replaceAll(" | ", " or ")

/**
 * Turns a schema failure into one sentence that names every field with a problem and the problem
 * (issue 25.9: all of them at once, in document order), up to MAX_PROBLEMS_NAMED.
 */
export const describeSchemaError = (what: string, error: Schema.SchemaError): string => {
  // A union reports one issue per alternative at the same path: the first one speaks for the field.
  const byPath = new Map<string, string>()
  for (const i of formatter(error.issue).issues) {
    const path = renderPath((i.path ?? []).map((p) => (typeof p === "object" ? p.key : p)))
    if (!byPath.has(path)) byPath.set(path, wording(i.message))
  }
  if (byPath.size === 0) return `${what} is invalid.`
  const named = [...byPath].slice(0, MAX_PROBLEMS_NAMED).map(([path, message]) => (path === "" ? message : `${path} ${message}`))
  const rest = byPath.size - named.length
  return `${what} is invalid: ${named.join("; ")}${rest > 0 ? `; and ${rest} more field${rest > 1 ? "s" : ""} with problems` : ""}.`
}

/** Every problem, excess fields included: the options of every decode of a document. */
export const documentDecodeOptions = { onExcessProperty: "error", errors: "all" } as const

export const decodeSitrepDocument = (registry: KindRegistry) => {
  const decode = Schema.decodeUnknownResult(makeSitrepDocument(registry))
  return (input: unknown): Result.Result<SitrepDocument, string> =>
    Result.mapError(
      decode(input, documentDecodeOptions) as Result.Result<SitrepDocument, Schema.SchemaError>,
      (e) => describeSchemaError("The sitrep document", e)
    )
}
