import { Effect, Option, Result } from "effect"
import { InvalidInput, ParentNotCurrent } from "../errors.ts"
import { Kinds } from "../kinds/registry.ts"
import type { KindRegistry } from "../kinds/registry.ts"
import { decodeSitrepDelta, isSitrepDelta } from "../model/delta.ts"
import { decodeSitrepDocument, type SitrepDocument } from "../model/document.ts"
import type { Generation, SitrepVersion } from "../model/generation.ts"
import type { ResourceId, SitrepId } from "../model/ids.ts"
import type { Sitrep, SitrepHeader } from "../model/sitrep.ts"
import type { AdminGrant } from "../ports/authorization.ts"
import { type PublishOutcome, SitrepStore } from "../ports/sitrepStore.ts"
import { decodeAgainstParent } from "../rules/fullDocument.ts"
import { deltaTouches, planDelta } from "../rules/publishDelta.ts"
import { applySitrepDelta, documentOf, sameSitrepDocument } from "../rules/delta.ts"
import { parentIsCurrent, planChild } from "../rules/lineage.ts"
import { now } from "./clock.ts"

const notCurrent = (parentId: string | null, current: Option.Option<Pick<SitrepHeader, "id" | "version">>) =>
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
 * (7.1a): validate, derive generations, refuse ids the lineage dropped earlier, then one atomic
 * write ending with the history compare-and-swap. Publishing changes what executors create, so it
 * takes an admin's grant (SPEC 7.2). Neither path reads a carried request's body (issue 19): a
 * full document is checked against the parent's outline (carried bodies compared by digest), a
 * delta against the parent's cases and the requests it touches, and written as that change.
 */
export const publishSitrep = Effect.fn("publishSitrep")(function*(grant: AdminGrant, input: unknown) {
  const kinds = yield* Kinds
  const store = yield* SitrepStore
  if (isSitrepDelta(input)) return yield* publishDelta(kinds, store, grant, input)
  // A full document is refused unread when its header, cases or lists are invalid. Its requests
  // are checked against the parent's outline (`decodeAgainstParent`, issue 19): the schema runs on
  // those the parent does not carry, planChild compares the others with the stored digests, and any
  // other answer than a plan first runs the whole schema, whose sentence comes first (`validated`).
  const decoder = decodeAgainstParent(kinds)
  const shaped = decoder.shape(input)
  if (Result.isFailure(shaped)) return yield* new InvalidInput({ message: shaped.failure })
  const outline = yield* store.currentOutline
  const parent = Option.getOrUndefined(outline)
  const partial = decoder.against(input, shaped.success, parent)
  if (Result.isFailure(partial)) return yield* new InvalidInput({ message: partial.failure })
  const validated = Effect.suspend(() => {
    const whole = decoder.full(input)
    return Result.isFailure(whole) ? Effect.fail(new InvalidInput({ message: whole.failure })) : Effect.succeed(whole.success)
  })
  const doc = partial.success
  // SPEC 7.1: a publish retried after it succeeded (its answer lost) is answered as published.
  if (parent !== undefined && doc.id === parent.id) {
    const published = yield* store.byVersion(parent.version)
    if (Option.isSome(published)) return yield* retried(kinds, store, input, yield* validated, published.value)
  }
  if (!parentIsCurrent(doc.parentId, parent)) {
    yield* validated
    return yield* notCurrent(doc.parentId, outline)
  }
  const plan = planChild(kinds, doc, parent, yield* store.highestGenerations, store.sha256Hex)
  if (Result.isFailure(plan)) {
    yield* validated
    return yield* new InvalidInput({ message: `The sitrep cannot be published: ${plan.failure}.` })
  }
  // The plan compared every request the schema did not check with the parent's digest: the document is valid.
  yield* refuseKnown(kinds, store, plan.success.added)
  const outcome = yield* store.publish(grant, {
    id: doc.id,
    parentId: doc.parentId,
    creatorId: doc.creatorId,
    timeCreated: yield* now,
    comment: doc.comment,
    generations: plan.success.generations,
    cases: plan.success.cases
  }, plan.success.dropped)
  return yield* answer(kinds, store, input, doc, doc, plan.success.generations, outcome)
})

/**
 * SPEC 7.1a by the change (issue 19): the delta is checked against the parent's cases and the
 * carried requests it touches (`deltaTouches`, `planDelta`), never against the whole parent, and
 * published as adds and drops. It answers exactly what the document it stands for would.
 */
const publishDelta = (kinds: KindRegistry, store: SitrepStore["Service"], grant: AdminGrant, input: unknown) =>
  Effect.gen(function*() {
    const header = yield* store.currentHeader
    const inputId = (input as { readonly id?: unknown }).id
    if (Option.isSome(header) && inputId === header.value.id) {
      const published = yield* store.byVersion(header.value.version)
      if (Option.isSome(published)) return yield* retried(kinds, store, input, undefined, published.value)
    }
    const decoded = decodeSitrepDelta(kinds)(input)
    if (Result.isFailure(decoded)) return yield* new InvalidInput({ message: decoded.failure })
    const delta = decoded.success
    if (Option.isNone(header) || header.value.id !== delta.parentId) return yield* notCurrent(delta.parentId, header)
    const touches = deltaTouches(kinds, delta)
    const excerpt = yield* store.currentExcerpt(touches.ids, touches.removedCases)
    if (Option.isNone(excerpt) || excerpt.value.id !== delta.parentId) return yield* notCurrent(delta.parentId, excerpt)
    const plan = planDelta(kinds, delta, excerpt.value, yield* store.highestGenerations, store.sha256Hex)
    if (Result.isFailure(plan)) return yield* new InvalidInput({ message: `The sitrep cannot be published: ${plan.failure}.` })
    yield* refuseKnown(kinds, store, plan.success.added.map((a) => ({ kind: a.kind, id: a.request.id })))
    const outcome = yield* store.publishChanges(grant, {
      id: delta.id,
      parentId: delta.parentId,
      creatorId: delta.creatorId,
      timeCreated: yield* now,
      comment: delta.comment,
      ...plan.success
    })
    return yield* answer(kinds, store, input, undefined, delta, plan.success.generations, outcome)
  })

/** SPEC 2: an id new to the parent that the lineage dropped earlier is refused (as far as detectable). */
const refuseKnown = (kinds: KindRegistry, store: SitrepStore["Service"], added: ReadonlyArray<{ readonly kind: string; readonly id: ResourceId }>) =>
  Effect.gen(function*() {
    for (const kind of kinds.all) {
      const ids = added.filter((a) => a.kind === kind.name).map((a) => a.id)
      if (ids.length === 0) continue
      const known = yield* store.knownRequestIds(kind.name, ids)
      if (known.length > 0) {
        return yield* new InvalidInput({
          message: `The sitrep cannot be published: ${kind.singular} request ${known[0]} was dropped earlier in the lineage, and a dropped id never reappears.`
        })
      }
    }
  })

/** The answer to a publish's outcome; a race lost to the same document is that publish's retry. */
const answer = (
  kinds: KindRegistry,
  store: SitrepStore["Service"],
  input: unknown,
  doc: SitrepDocument | undefined,
  sent: { readonly id: SitrepId; readonly parentId: SitrepId | null },
  generations: Readonly<Record<string, Generation>>,
  outcome: PublishOutcome
) =>
  Effect.gen(function*() {
    if (outcome._tag === "ParentNotCurrent") {
      const winner = Option.getOrUndefined(outcome.current)
      if (winner?.id === sent.id) {
        const stored = yield* store.byVersion(winner.version)
        if (Option.isSome(stored)) return yield* retried(kinds, store, input, doc, stored.value)
      }
      return yield* notCurrent(sent.parentId, outcome.current)
    }
    if (outcome._tag === "SitrepExists") {
      return yield* new InvalidInput({ message: `The sitrep cannot be published: a sitrep with id ${sent.id} was published before.` })
    }
    return { id: sent.id, version: outcome.version as SitrepVersion, generations, alreadyPublished: false }
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
