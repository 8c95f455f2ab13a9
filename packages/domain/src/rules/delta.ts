import { Result } from "effect"
import type { KindRegistry } from "../kinds/registry.ts"
import type { SitrepDelta } from "../model/delta.ts"
import type { CaseDocument, SitrepDocument } from "../model/document.ts"
import { generationToJson } from "../model/generation.ts"
import type { CaseId, ResourceId } from "../model/ids.ts"
import type { Request, Sitrep } from "../model/sitrep.ts"
import type { ResourceKind } from "../kinds/kind.ts"
import { canonicalJson } from "./lineage.ts"

/**
 * SPEC 7.1a, the delta document: the one rule by which a child document is written as what
 * changed against its parent and read back. Pure. `applySitrepDelta(parent, sitrepDelta(parent,
 * child))` is `child` whenever the child keeps the parent's order (carried cases and requests in
 * the parent's order, new ones after them); otherwise it is the same sitrep in that canonical order.
 */

export type RequestDocument = { readonly id: ResourceId } & Readonly<Record<string, unknown>>

export const requestsIn = (c: CaseDocument, field: string): ReadonlyArray<RequestDocument> =>
  (c[field] ?? []) as ReadonlyArray<RequestDocument>

/** What a delta changes of its parent's cases, once checked against the parent. */
export interface DeltaCaseChanges {
  readonly parentCaseIds: ReadonlySet<string>
  readonly changed: ReadonlyMap<string, CaseDocument>
  readonly removed: ReadonlySet<string>
  readonly droppedIds: ReadonlySet<string>
}

/**
 * The checks every reading of a delta makes first, in this order and these words (applying it to
 * the parent's document, and planning it against the parent's outline, issue 19): its parent, its
 * changed and removed cases, and that each dropped id is one the parent carries (`carries`).
 */
export const checkDeltaChanges = (
  registry: KindRegistry,
  delta: SitrepDelta,
  parent: { readonly id: string; readonly caseIds: ReadonlyArray<string> },
  carries: (kind: ResourceKind, id: string) => boolean
): Result.Result<DeltaCaseChanges, string> => {
  if (delta.parentId !== parent.id) return Result.fail(`the delta is against ${delta.parentId}, not against ${parent.id}`)
  const parentCaseIds = new Set(parent.caseIds)
  const changed = new Map<string, CaseDocument>()
  for (const c of delta.changes.cases ?? []) {
    if (changed.has(c.id)) return Result.fail(`changes.cases names case ${c.id} more than once`)
    changed.set(c.id, c)
  }
  const removed = new Set<string>()
  for (const id of delta.changes.removedCases ?? []) {
    if (!parentCaseIds.has(id)) return Result.fail(`changes.removedCases names case ${id}, which the parent does not carry`)
    if (changed.has(id)) return Result.fail(`case ${id} is both in changes.removedCases and in changes.cases`)
    removed.add(id)
  }
  const droppedIds = new Set<string>()
  for (const kind of registry.all) {
    const field = kind.documentField
    for (const id of delta.changes.dropped?.[field] ?? []) {
      if (!carries(kind, id)) return Result.fail(`changes.dropped.${field} names ${kind.singular} request ${id}, which the parent does not carry`)
      droppedIds.add(id)
    }
  }
  return Result.succeed({ parentCaseIds, changed, removed, droppedIds })
}

/** A stored sitrep as the 7.1 document that publishes it (its own id, parent and generations). */
export const documentOf = (registry: KindRegistry, s: Sitrep): SitrepDocument => ({
  id: s.id,
  parentId: s.parentId,
  creatorId: s.creatorId,
  comment: s.comment,
  generations: s.generations,
  cases: s.cases.map((c): CaseDocument => ({
    id: c.id,
    comment: c.comment,
    closed: c.closed,
    ...Object.fromEntries(registry.all.map((k) => [k.documentField, (c.requests[k.name] ?? []).map((r) => requestDocument(k, r))]))
  }))
})

/** A request as the document writes it: its id, then the kind's fields in the schema's order (storage may reorder keys). */
const requestDocument = (kind: ResourceKind, r: Request): RequestDocument => {
  const fields = Object.keys(kind.requestFields)
  const rest = Object.keys(r.body).filter((k) => !fields.includes(k))
  return { id: r.id, ...Object.fromEntries([...fields, ...rest].filter((k) => k in r.body).map((k) => [k, r.body[k]])) }
}

/** A document (7.1) or a delta (7.1a) as JSON: generations as numbers, or decimal strings past 2^53-1. */
export const documentToJson = <D extends { readonly generations?: Readonly<Record<string, bigint>> }>(d: D) => {
  const { generations, ...rest } = d
  return generations === undefined
    ? rest
    : { ...rest, generations: Object.fromEntries(Object.entries(generations).map(([k, g]) => [k, generationToJson(g as never)])) }
}

/**
 * The delta of `child` against `parent` (SPEC 7.1a): the child's header with `parentId` the
 * parent's id; cases the child adds or whose comment or closed flag changed, or that gain requests;
 * cases it no longer carries; requests that leave the cases that stay. A request whose case or
 * content differs from the parent's is written as dropped and added again, so that applying the
 * delta meets the same refusal (a request is immutable) as publishing the child would.
 */
export const sitrepDelta = (registry: KindRegistry, parent: SitrepDocument, child: SitrepDocument): SitrepDelta => {
  const parentCases = new Map(parent.cases.map((c) => [c.id, c]))
  const childCaseIds = new Set(child.cases.map((c) => c.id))
  const cases: Array<CaseDocument> = []
  const dropped: Record<string, Array<ResourceId>> = {}
  for (const c of child.cases) {
    const before = parentCases.get(c.id)
    if (before === undefined) {
      cases.push(c)
      continue
    }
    const added: Record<string, ReadonlyArray<RequestDocument>> = {}
    for (const kind of registry.all) {
      const field = kind.documentField
      const kept = new Map(requestsIn(before, field).map((r) => [r.id, canonicalJson(r)]))
      const gained = requestsIn(c, field).filter((r) => kept.get(r.id) !== canonicalJson(r))
      const stays = new Set(requestsIn(c, field).filter((r) => kept.get(r.id) === canonicalJson(r)).map((r) => r.id))
      const leaves = requestsIn(before, field).filter((r) => !stays.has(r.id)).map((r) => r.id)
      if (gained.length > 0) added[field] = gained
      if (leaves.length > 0) (dropped[field] ??= []).push(...leaves)
    }
    if (Object.keys(added).length > 0 || c.comment !== before.comment || c.closed !== before.closed) {
      cases.push({ id: c.id, comment: c.comment, closed: c.closed, ...added })
    }
  }
  const removedCases = parent.cases.filter((c) => !childCaseIds.has(c.id)).map((c) => c.id)
  return {
    id: child.id,
    parentId: parent.id,
    creatorId: child.creatorId,
    comment: child.comment,
    ...(child.generations === undefined ? {} : { generations: child.generations }),
    changes: { cases, removedCases, dropped }
  }
}

/**
 * The one 7.1 document a delta gives when applied to its parent (SPEC 7.1a): the parent's cases
 * in order without the removed ones, each without its dropped requests and followed by the
 * requests the delta adds to it, with the delta's comment and closed flag where it names the case;
 * then the cases new to the parent, in the delta's order. Refused, in one sentence, when the delta
 * names a parent, a case or a request that the parent does not have; everything else (duplicate
 * ids, changed requests, a reopened case, generations) is for the document's own validation.
 */
export const applySitrepDelta = (
  registry: KindRegistry,
  parent: SitrepDocument,
  delta: SitrepDelta
): Result.Result<SitrepDocument, string> => {
  const carriedByKind = new Map<string, ReadonlySet<string>>()
  const carries = (kind: ResourceKind, id: string) => {
    let ids = carriedByKind.get(kind.name)
    if (ids === undefined) {
      ids = new Set(parent.cases.flatMap((c) => requestsIn(c, kind.documentField).map((r) => r.id as string)))
      carriedByKind.set(kind.name, ids)
    }
    return ids.has(id)
  }
  const checked = checkDeltaChanges(registry, delta, { id: parent.id, caseIds: parent.cases.map((c) => c.id) }, carries)
  if (Result.isFailure(checked)) return Result.fail(checked.failure)
  const { parentCaseIds, changed, removed, droppedIds } = checked.success
  const merged = (before: CaseDocument, change: CaseDocument | undefined): CaseDocument => ({
    id: before.id,
    comment: change?.comment ?? before.comment,
    closed: change?.closed ?? before.closed,
    ...Object.fromEntries(registry.all.map((k) => [
      k.documentField,
      [...requestsIn(before, k.documentField).filter((r) => !droppedIds.has(r.id)), ...(change ? requestsIn(change, k.documentField) : [])]
    ]))
  })
  const cases = [
    ...parent.cases.filter((c) => !removed.has(c.id)).map((c) => merged(c, changed.get(c.id))),
    ...(delta.changes.cases ?? []).filter((c) => !parentCaseIds.has(c.id))
  ]
  const { changes: _changes, ...header } = delta
  return Result.succeed({ ...header, cases })
}

/**
 * Whether `doc` asks for what the stored `published` sitrep is (SPEC 7.1, a retried publish):
 * the same parent, label, comment and cases with the same requests, in any order, and the same
 * generations where the document states them.
 */
export const sameSitrepDocument = (registry: KindRegistry, doc: SitrepDocument, published: Sitrep): boolean => {
  const byId = <T extends { readonly id: string }>(xs: ReadonlyArray<T>) => [...xs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const content = (d: SitrepDocument) =>
    canonicalJson({
      parentId: d.parentId,
      creatorId: d.creatorId,
      comment: d.comment,
      cases: byId(d.cases).map((c) => ({
        ...c,
        ...Object.fromEntries(registry.all.map((k) => [k.documentField, byId(requestsIn(c, k.documentField))]))
      }))
    })
  const stated = Object.entries(doc.generations ?? {})
  return stated.every(([k, g]) => published.generations[k] === g) && content(doc) === content(documentOf(registry, published))
}
