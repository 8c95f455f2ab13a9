import { Schema } from "effect"

/**
 * A storage fault (lost connection, failed statement): unexpected, retried or reported. An
 * adapter over a SQL server fills `sqlstate` with the server's code when it sent one (metrics
 * label failures by it).
 */
export class StoreError extends Schema.TaggedError<StoreError>()("StoreError", {
  message: Schema.String,
  sqlstate: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.Defect())
}) {}

/** Input that can never succeed as given (exit code 2). */
export class InvalidInput extends Schema.TaggedError<InvalidInput>()("InvalidInput", {
  message: Schema.String
}) {}

/** A refusal: the caller lacks the role (exit code 1). */
export class NotAuthorized extends Schema.TaggedError<NotAuthorized>()("NotAuthorized", {
  message: Schema.String
}) {}

/** A refusal: nothing by that id or version (exit code 1). */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  message: Schema.String
}) {}

/** A refusal: the publish lost the compare-and-swap (exit code 1). */
export class ParentNotCurrent extends Schema.TaggedError<ParentNotCurrent>()("ParentNotCurrent", {
  message: Schema.String
}) {}
