import { Kinds, ResourceStore, SitrepStore, TokenStore } from "@fm-rendezvous/domain"
import { Effect } from "effect"
import { verdictOf } from "../shared/failure.ts"
import { Unavailable } from "./api.ts"

const NIL = "00000000-0000-0000-0000-000000000000"

/**
 * GET /readyz (SPEC 8.3): the database answers and its schema is current. One keyed read per
 * table family the API uses (core, each kind, tokens): a lost database or a missing table reads
 * as not ready, with a reason that carries no driver text.
 */
export const readiness = Effect.gen(function*() {
  const kinds = yield* Kinds
  const resources = yield* ResourceStore
  yield* (yield* SitrepStore).currentHeader
  for (const kind of kinds.all) yield* resources.get(kind.name, NIL as never)
  yield* (yield* TokenStore).byLookup("0000000000000000")
  return { status: "ready" as const }
}).pipe(
  Effect.catchCause((cause) => {
    const verdict = verdictOf(cause)
    const message = verdict.sentence.startsWith("The database schema")
      ? verdict.sentence
      : "The database cannot be reached or cannot serve requests; see the server's log."
    return Effect.andThen(Effect.logError(`not ready: ${verdict.sentence}`), Effect.fail(new Unavailable({ error: "NotReady", message })))
  })
)
