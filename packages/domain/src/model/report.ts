import { Schema } from "effect"
import { GenerationFromJson, SitrepVersion } from "./generation.ts"

const NullableGeneration = Schema.NullOr(GenerationFromJson)

export const RequestError = Schema.Struct({
  /** The request the error is about, or null for an error about the whole kind. */
  requestId: Schema.NullOr(Schema.String),
  message: Schema.String
})
export type RequestError = typeof RequestError.Type

/** One kind's part of an activation report (SPEC 6 and 7.3). */
export const KindReport = Schema.Struct({
  generation: NullableGeneration,
  /** The current sitrep's generation for the kind when the activation ran. */
  currentGeneration: NullableGeneration,
  requested: Schema.Int,
  created: Schema.Int,
  alreadyExisted: Schema.Int,
  tombstoned: Schema.Int,
  stale: Schema.Boolean,
  errors: Schema.Array(RequestError),
  /** Errors beyond the ones listed (the list is capped). */
  errorCount: Schema.Int,
  executedThrough: NullableGeneration,
  markersSwept: Schema.Int,
  sweepPages: Schema.Int,
  /** The per-request work was skipped: progress said this generation was already executed. */
  skipped: Schema.Boolean,
  /** The sweep was skipped: progress said this generation was already swept. */
  sweepSkipped: Schema.Boolean,
  reconciled: Schema.Boolean
})
export type KindReport = typeof KindReport.Type

export const ActivationReport = Schema.Struct({
  executor: Schema.String,
  sitrep: Schema.Struct({ id: Schema.String, version: SitrepVersion }),
  currentSitrep: Schema.NullOr(Schema.Struct({ id: Schema.String, version: SitrepVersion })),
  activatedAt: Schema.String,
  kinds: Schema.Record(Schema.String, KindReport)
})
export type ActivationReport = typeof ActivationReport.Type

export const encodeReport = Schema.encodeSync(ActivationReport)
export const decodeReport = Schema.decodeUnknownSync(ActivationReport)
/** For stored reports, which an older or newer release may have written in another shape. */
export const decodeStoredReport = Schema.decodeUnknownResult(ActivationReport)
