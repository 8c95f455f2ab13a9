import { Effect, Option, Result } from "effect"
import { InvalidInput, ParentNotCurrent } from "../errors.ts"
import { Kinds } from "../kinds/registry.ts"
import { decodeSitrepDocument } from "../model/document.ts"
import type { SitrepVersion } from "../model/generation.ts"
import type { SitrepHeader } from "../model/sitrep.ts"
import type { AdminGrant } from "../ports/authorization.ts"
import { SitrepStore } from "../ports/sitrepStore.ts"
import { parentIsCurrent, planChild } from "../rules/lineage.ts"
import { now } from "./clock.ts"

const notCurrent = (parentId: string | null, current: Option.Option<SitrepHeader>) =>
  new ParentNotCurrent({
    message: Option.match(current, {
      onNone: () => `The parent ${parentId} is not current: no sitrep has been published yet, so parentId must be null.`,
      onSome: (c) =>
        `The parent ${parentId ?? "null"} is not current: the current sitrep is ${c.id} (version ${c.version}); rebase on it and publish again.`
    })
  })

/**
 * Publishes a sitrep document (SPEC 3.5, 7.1): validate, derive generations, refuse ids the
 * lineage dropped earlier, then one atomic write ending with the history compare-and-swap.
 * Publishing changes what executors create, so it takes an admin's grant (SPEC 7.2).
 */
export const publishSitrep = Effect.fn("publishSitrep")(function*(grant: AdminGrant, input: unknown) {
  const kinds = yield* Kinds
  const store = yield* SitrepStore
  const decoded = decodeSitrepDocument(kinds)(input)
  if (Result.isFailure(decoded)) return yield* new InvalidInput({ message: decoded.failure })
  const doc = decoded.success

  const current = yield* store.current
  const parent = Option.getOrUndefined(current)
  if (!parentIsCurrent(doc.parentId, parent)) return yield* notCurrent(doc.parentId, current)

  const plan = planChild(kinds, doc, parent, yield* store.highestGenerations)
  if (Result.isFailure(plan)) return yield* new InvalidInput({ message: `The sitrep cannot be published: ${plan.failure}.` })

  for (const kind of kinds.all) {
    const added = plan.success.added.filter((a) => a.kind === kind.name).map((a) => a.id)
    if (added.length === 0) continue
    const known = yield* store.knownRequestIds(kind.name, added)
    if (known.length > 0) {
      return yield* new InvalidInput({
        message: `The sitrep cannot be published: ${kind.singular} request ${known[0]} was dropped earlier in the lineage, and a dropped id never reappears.`
      })
    }
  }

  const outcome = yield* store.publish(grant, {
    id: doc.id,
    parentId: doc.parentId,
    creatorId: doc.creatorId,
    timeCreated: yield* now,
    comment: doc.comment,
    generations: plan.success.generations,
    cases: plan.success.cases
  }, plan.success.dropped)
  if (outcome._tag === "ParentNotCurrent") return yield* notCurrent(doc.parentId, outcome.current)
  if (outcome._tag === "SitrepExists") {
    return yield* new InvalidInput({ message: `The sitrep cannot be published: a sitrep with id ${doc.id} was published before.` })
  }
  return { id: doc.id, version: outcome.version as SitrepVersion, generations: plan.success.generations }
})
