import { Effect, Option } from "effect"
import { NotFound } from "../errors.ts"
import type { ResourceKind } from "../kinds/kind.ts"
import type { ResourceId } from "../model/ids.ts"
import { type Actor, Authorization } from "../ports/authorization.ts"
import { ResourceStore } from "../ports/resourceStore.ts"

/**
 * Operator delete (SPEC 3.2): admin only; one atomic port call that either tombstones the marker
 * and removes (or starts destroying) the row, or plainly removes a row FM did not create.
 */
export const deleteResource = Effect.fn("deleteResource")(function*(actor: Actor | null, kind: ResourceKind, id: ResourceId) {
  const authz = yield* Authorization
  const resources = yield* ResourceStore
  const grant = yield* authz.requireAdmin(actor, `deleting ${kind.singular} ${id}`)
  const outcome = yield* resources.delete(grant, kind.name, id)
  if (outcome._tag === "NotFound") return yield* new NotFound({ message: `There is no ${kind.singular} ${id}.` })
  return outcome
})

export const commentResource = Effect.fn("commentResource")(function*(
  actor: Actor | null,
  kind: ResourceKind,
  id: ResourceId,
  comment: string
) {
  const authz = yield* Authorization
  const resources = yield* ResourceStore
  const grant = yield* authz.requireAdmin(actor, `commenting on ${kind.singular} ${id}`)
  const found = yield* resources.setUserComment(grant, kind.name, id, comment)
  if (!found) return yield* new NotFound({ message: `There is no ${kind.singular} ${id}.` })
})

export const showResource = Effect.fn("showResource")(function*(actor: Actor | null, kind: ResourceKind, id: ResourceId) {
  const authz = yield* Authorization
  const resources = yield* ResourceStore
  yield* authz.requireViewer(actor, `reading ${kind.plural}`)
  const row = yield* resources.get(kind.name, id)
  if (Option.isNone(row)) return yield* new NotFound({ message: `There is no ${kind.singular} ${id}.` })
  return row.value
})
