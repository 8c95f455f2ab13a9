import { Schema } from "effect"

/** A lowercase RFC 4122 UUID: every id in a sitrep is one (SPEC 2). */
export const Uuid = Schema.String.check(
  Schema.isUUID(undefined, { message: "must be a UUID such as 0d6c9a8e-2f1b-4c4e-9d55-3b1c2a7f8e01" })
)

export const SitrepId = Uuid.pipe(Schema.brand("SitrepId"))
export type SitrepId = typeof SitrepId.Type

export const CaseId = Uuid.pipe(Schema.brand("CaseId"))
export type CaseId = typeof CaseId.Type

/** The id of a request is the id of the resource it asks for (SPEC 1), whatever its kind. */
export const ResourceId = Uuid.pipe(Schema.brand("ResourceId"))
export type ResourceId = typeof ResourceId.Type

/** The name of a resource kind in the registry, e.g. `alert` (SPEC 2, resource kind). */
export const KindName = Schema.String.check(
  Schema.isPattern(/^[a-z][a-z0-9_]*$/, { message: "must be a lowercase kind name such as support_bundle" })
).pipe(Schema.brand("KindName"))
export type KindName = typeof KindName.Type

export const decodeResourceId = Schema.decodeUnknownResult(ResourceId)
