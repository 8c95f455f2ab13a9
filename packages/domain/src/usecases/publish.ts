import { Effect, Option, Result } from "effect"
import { InvalidInput, ParentNotCurrent } from "../errors.ts"
import { Kinds } from "../kinds/registry.ts"
import type { KindRegistry } from "../kinds/registry.ts"
import { decodeSitrepDelta, isSitrepDelta } from "../model/delta.ts"
import { decodeSitrepDocument, type SitrepDocument } from "../model/document.ts"
import type { SitrepVersion } from "../model/generation.ts"
import type { Sitrep, SitrepHeader } from "../model/sitrep.ts"
import type { AdminGrant } from "../ports/authorization.ts"
import { SitrepStore } from "../ports/sitrepStore.ts"
import { applySitrepDelta, documentOf, sameSitrepDocument } from "../rules/delta.ts"
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

/** The 7.1 document an input stands for: itself, or (SPEC 7.1a, it has `changes`) a delta applied to `parent`. */
const documentFrom = (kinds: KindRegistry, input: unknown, parent: Sitrep | undefined) =>
  Effect.gen(function*() {
    if (!isSitrepDelta(input)) {
      const decoded = decodeSitrepDocument(kinds)(input)
      if (Result.isFailure(decoded)) return yield* new InvalidInput({ message: decoded.failure })
      return decoded.success
    }
    const delta = decodeSitrepDelta(kinds)(input)
    if (Result.isFailure(delta)) return yield* new InvalidInput({ message: delta.failure })
    if (parent === undefined || parent.id !== delta.success.parentId) return { ...delta.success, cases: [] } as SitrepDocument
    const applied = applySitrepDelta(kinds, documentOf(kinds, parent), delta.success)
    if (Result.isFailure(applied)) return yield* new InvalidInput({ message: `The sitrep cannot be published: ${applied.failure}.` })
    return applied.success
  })

/**
 * Publishes a sitrep document (SPEC 3.5, 7.1) or a delta document against the current sitrep
 * (7.1a, applied first, then exactly the same path): validate, derive generations, refuse ids the
 * lineage dropped earlier, then one atomic write ending with the history compare-and-swap.
 * Publishing changes what executors create, so it takes an admin's grant (SPEC 7.2).
 */
export const publishSitrep = Effect.fn("publishSitrep")(function*(grant: AdminGrant, input: unknown) {
  const kinds = yield* Kinds
  const store = yield* SitrepStore
  // A delta needs its parent before it can be validated; a full document is refused unread when invalid.
  const early = isSitrepDelta(input) ? undefined : yield* documentFrom(kinds, input, undefined)
  const current = yield* store.current
  const parent = Option.getOrUndefined(current)
  // SPEC 7.1: a publish retried after it succeeded (its answer lost) is answered as published.
  const inputId = (input as { readonly id?: unknown }).id
  if (parent !== undefined && inputId === parent.id) return yield* retried(kinds, store, input, early, parent)
  const doc = early ?? (yield* documentFrom(kinds, input, parent))
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
  if (outcome._tag === "ParentNotCurrent") {
    // Lost the race to the same document published at the same time: that is this publish's retry.
    const winner = Option.getOrUndefined(outcome.current)
    if (winner?.id === doc.id) {
      const stored = yield* store.byVersion(winner.version)
      if (Option.isSome(stored)) return yield* retried(kinds, store, input, doc, stored.value)
    }
    return yield* notCurrent(doc.parentId, outcome.current)
  }
  if (outcome._tag === "SitrepExists") {
    return yield* new InvalidInput({ message: `The sitrep cannot be published: a sitrep with id ${doc.id} was published before.` })
  }
  return { id: doc.id, version: outcome.version as SitrepVersion, generations: plan.success.generations, alreadyPublished: false }
})

/**
 * The input names the current sitrep: the same document again (a delta is applied to the current
 * sitrep's parent, the version before it) is answered with its version; other content is refused.
 */
const retried = (kinds: KindRegistry, store: SitrepStore["Service"], input: unknown, early: SitrepDocument | undefined, published: Sitrep) =>
  Effect.gen(function*() {
    let doc = early
    if (doc === undefined) {
      const before = published.version > 1 ? yield* store.byVersion((published.version - 1) as SitrepVersion) : Option.none<Sitrep>()
      doc = yield* documentFrom(kinds, input, Option.getOrUndefined(before))
    }
    if (!sameSitrepDocument(kinds, doc, published)) {
      return yield* new InvalidInput({
        message: `The sitrep cannot be published: sitrep ${published.id} was published before (version ${published.version}) with other content; a sitrep id is never reused, so give this one a new id.`
      })
    }
    return { id: published.id, version: published.version, generations: published.generations, alreadyPublished: true }
  })
