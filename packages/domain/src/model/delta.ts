import { Result, Schema } from "effect"
import type { KindRegistry } from "../kinds/registry.ts"
import { type CaseDocument, describeSchemaError, documentHeader, makeCaseDocument, type SitrepDocument } from "./document.ts"
import { CaseId, ResourceId, SitrepId } from "./ids.ts"

/**
 * The delta document of SPEC 7.1a: the header of 7.1 against a named (non-null) parent, and
 * `changes` instead of `cases`. Applied to the parent (`applySitrepDelta`, rules/delta.ts) it gives
 * exactly one 7.1 document, which is then validated and published as that document would be.
 */
export const makeSitrepDelta = (registry: KindRegistry) => {
  const droppedIds = Schema.optionalKey(Schema.Array(ResourceId))
  const droppedFields: Record<string, typeof droppedIds> = {}
  for (const kind of registry.all) droppedFields[kind.documentField] = droppedIds
  return Schema.Struct({
    ...documentHeader,
    parentId: SitrepId,
    changes: Schema.Struct({
      cases: Schema.optionalKey(Schema.Array(makeCaseDocument(registry))),
      removedCases: Schema.optionalKey(Schema.Array(CaseId)),
      dropped: Schema.optionalKey(Schema.Struct(droppedFields))
    })
  })
}

export interface SitrepDeltaChanges {
  /** Cases added or changed: their comment and closed flag, and in each kind's field the requests they add. */
  readonly cases?: ReadonlyArray<CaseDocument>
  /** Cases that leave, with all their requests. */
  readonly removedCases?: ReadonlyArray<CaseId>
  /** Per kind's document field (`alertRequests`, ...), the ids of requests that leave. */
  readonly dropped?: Readonly<Record<string, ReadonlyArray<ResourceId>>>
}

export interface SitrepDelta extends Omit<SitrepDocument, "parentId" | "cases"> {
  readonly parentId: SitrepId
  readonly changes: SitrepDeltaChanges
}

/** SPEC 7.1a: `POST /v1/sitreps` tells a delta from a full document by its `changes` field. */
export const isSitrepDelta = (input: unknown): boolean =>
  input !== null && typeof input === "object" && !Array.isArray(input) && Object.hasOwn(input, "changes")

export const decodeSitrepDelta = (registry: KindRegistry) => {
  const decode = Schema.decodeUnknownResult(makeSitrepDelta(registry))
  return (input: unknown): Result.Result<SitrepDelta, string> =>
    Result.mapError(
      decode(input, { onExcessProperty: "error", errors: "all" }) as Result.Result<SitrepDelta, Schema.SchemaError>,
      (e) => describeSchemaError("The delta document", e)
    )
}
