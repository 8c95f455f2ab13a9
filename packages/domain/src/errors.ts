import { Schema } from "effect"

/**
 * A storage fault (lost connection, failed statement): unexpected, retried or reported. An
 * adapter over a SQL server fills `sqlstate` with the server's code when it sent one (metrics
 * label failures by it), `unavailable` when the server could not be reached, the connection was
 * lost or a statement timed out (safe to retry later: exit code 3, HTTP 503), and `attempts` when
 * the step was re-run that many times before it gave up.
 */
export class StoreError extends Schema.TaggedError<StoreError>()("StoreError", {
  message: Schema.String,
  sqlstate: Schema.optional(Schema.String),
  unavailable: Schema.optional(Schema.Boolean),
  attempts: Schema.optional(Schema.Number),
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
