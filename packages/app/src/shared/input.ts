import { Comment, decodeResourceId, describeSchemaError, InvalidInput, type ResourceId } from "@fm-rendezvous/domain"
import { Effect, Result, Schema } from "effect"

/* The input parsers both edges share: a command's arguments and an API request's parameters read alike. */

/** An id argument: a malformed one is bad input (exit 2), not "not found". */
export const parseResourceId = (raw: string): Effect.Effect<ResourceId, InvalidInput> => {
  const decoded = decodeResourceId(raw.trim())
  return Result.isSuccess(decoded)
    ? Effect.succeed(decoded.success)
    : Effect.fail(new InvalidInput({ message: `${JSON.stringify(raw)} is not a valid id: ids are UUIDs such as 0d6c9a8e-2f1b-4c4e-9d55-3b1c2a7f8e01.` }))
}

const decodeComment = Schema.decodeUnknownResult(Comment)

/** An operator comment follows the document's rule for comments (SPEC 7.1: at most 4096 bytes). */
export const parseComment = (text: string): Effect.Effect<string, InvalidInput> => {
  const comment = decodeComment(text)
  return Result.isSuccess(comment)
    ? Effect.succeed(comment.success)
    : Effect.fail(new InvalidInput({ message: describeSchemaError("The comment", comment.failure) }))
}
