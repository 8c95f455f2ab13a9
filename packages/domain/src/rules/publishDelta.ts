import { Result } from "effect"
import type { KindRegistry } from "../kinds/registry.ts"
import type { SitrepDelta } from "../model/delta.ts"
import type { CaseDocument } from "../model/document.ts"
import type { Generation } from "../model/generation.ts"
import type { CaseId, KindName, ResourceId, SitrepId } from "../model/ids.ts"
import type { Case, SitrepRequest } from "../model/sitrep.ts"
import { checkDeltaChanges, type RequestDocument, requestsIn } from "./delta.ts"
import {
  type CarriedRequest,
  changedRequest,
  type DroppedRequest,
  duplicateId,
  kindGeneration,
  reopenedCase,
  requestDigest,
  type SitrepOutline,
  unknownGenerationKind
} from "./lineage.ts"

/** A request a publish adds, with its place among the requests of its kind its case gains (issue 19). */
export interface AddedRequest {
  readonly kind: KindName
  readonly request: SitrepRequest
  /** Its index among the requests of its kind that its case gains in this publish: they are read after the carried ones, in this order. */
  readonly position: number
}

/** A case of a child as a publish by the change writes it: its header and the kinds it lists. */
export type CaseHeader = Omit<Case, "requests"> & { readonly requestKinds: ReadonlyArray<KindName> }

/** What publishing a delta derives (SPEC 7.1a, issue 19): the child as the change to its parent. */
export interface DeltaPlan {
  readonly generations: Readonly<Record<string, Generation>>
  readonly cases: ReadonlyArray<CaseHeader>
  readonly added: ReadonlyArray<AddedRequest>
  readonly dropped: ReadonlyArray<DroppedRequest>
}

/**
 * The ids a delta touches, which is all `planDelta` needs to know of the parent's requests besides
 * its cases: the requests it drops, adds or names as new cases (and the sitrep id: each could
 * collide with a carried request), and every request of the cases it removes.
 */
export const deltaTouches = (registry: KindRegistry, delta: SitrepDelta) => {
  const ids = new Set<string>([delta.id])
  for (const c of delta.changes.cases ?? []) {
    ids.add(c.id)
    for (const kind of registry.all) for (const r of requestsIn(c, kind.documentField)) ids.add(r.id)
  }
  for (const kind of registry.all) for (const id of delta.changes.dropped?.[kind.documentField] ?? []) ids.add(id)
  return { ids: [...ids] as ReadonlyArray<string>, removedCases: delta.changes.removedCases ?? [] }
}


/** A place in the 7.1 document the delta stands for, in its reading order (see `planDelta`). */
type Place = readonly [number, number, number, bigint, number]
const before = (a: Place, b: Place) => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1
  return 0
}

/**
 * Validates a delta document against its parent and derives the publish (SPEC 7.1a, issue 19),
 * reading of the parent only its cases and the requests the delta touches (`deltaTouches`): the
 * parent's R requests are never materialised. It answers exactly what `planChild` answers for
 * the document `applySitrepDelta` gives (the same refusals, in the same words and the same order
 * when several apply; the property test `test/contract/delta.contract.ts` and the domain's
 * `delta.test.ts` compare the two), and publishes what that document would: the same generations,
 * cases, added and dropped requests. Pure.
 *
 * The applied document lists the parent's cases (without the removed ones) in order, each kind's
 * carried requests in their defined order (entry generation, position) followed by those the delta
 * adds to the case, then the new cases. `planChild` reports the first id that appears twice in
 * that order; a duplicate always involves an id new to the parent (the sitrep's own, a new case's,
 * an added request's), so only those ids' places are compared.
 */
export const planDelta = (
  registry: KindRegistry,
  delta: SitrepDelta,
  /** The parent's outline: its cases, and of its carried requests those `deltaTouches` names (more do no harm). */
  parent: SitrepOutline,
  highest: Readonly<Record<string, Generation>>,
  /** The hash of the digest rule (`requestDigest`), as the store computed the outline's digests with. */
  sha256Hex: (text: string) => string
): Result.Result<DeltaPlan, string> => {
  const digestOf = requestDigest(sha256Hex)
  // applySitrepDelta's refusals, in its order and words.
  const carried = new Map<string, CarriedRequest>()
  for (const r of parent.carried) carried.set(`${r.kind}/${r.id}`, r)
  const checked = checkDeltaChanges(registry, delta, { id: parent.id, caseIds: parent.cases.map((c) => c.id) }, (kind, id) => carried.has(`${kind.name}/${id}`))
  if (Result.isFailure(checked)) return Result.fail(checked.failure)
  const { parentCaseIds, changed, removed, droppedIds } = checked.success
  /** Whether a carried request is still in the applied document. */
  const stays = (r: CarriedRequest) => !droppedIds.has(r.id) && !removed.has(r.caseId)

  // The applied document's cases, in its order.
  const childCases = [
    ...parent.cases.filter((c) => !removed.has(c.id)).map((c) => ({ id: c.id, before: c, change: changed.get(c.id) })),
    ...(delta.changes.cases ?? []).filter((c) => !parentCaseIds.has(c.id)).map((c) => ({ id: c.id, before: undefined, change: c }))
  ]
  const casePosition = new Map<string, number>(childCases.map((c, i) => [c.id, i]))
  const kindIndex = new Map<string, number>(registry.all.map((k, i) => [k.name, i]))

  // planChild: the first id that appears twice, in the applied document's order.
  const fresh = new Set<string>([delta.id])
  const places: Array<{ readonly id: string; readonly at: Place }> = [{ id: delta.id, at: [-1, -1, 0, 0n, 0] }]
  for (const c of childCases) {
    if (c.before === undefined) fresh.add(c.id)
    if (c.change === undefined) continue
    for (const kind of registry.all) for (const r of requestsIn(c.change, kind.documentField)) fresh.add(r.id)
  }
  childCases.forEach((c, i) => {
    if (fresh.has(c.id)) places.push({ id: c.id, at: [i, -1, 0, 0n, 0] })
    if (c.change === undefined) return
    for (const kind of registry.all) {
      requestsIn(c.change, kind.documentField).forEach((r, j) => places.push({ id: r.id, at: [i, kindIndex.get(kind.name)!, 1, 0n, j] }))
    }
  })
  for (const r of parent.carried) {
    const at = casePosition.get(r.caseId)
    const k = kindIndex.get(r.kind)
    if (fresh.has(r.id) && stays(r) && at !== undefined && k !== undefined) places.push({ id: r.id, at: [at, k, 0, r.enteredAt, r.position] })
  }
  places.sort((a, b) => before(a.at, b.at))
  const seen = new Set<string>()
  for (const p of places) {
    if (seen.has(p.id)) return Result.fail(duplicateId(p.id))
    seen.add(p.id)
  }
  // The sitrep id being the parent's own is a retried publish, answered before planning.

  const given = delta.generations ?? {}
  const unknownKind = unknownGenerationKind(registry, given)
  if (unknownKind !== undefined) return Result.fail(unknownKind)
  const cases = childCases.map((c): CaseHeader => {
    const closed = c.change?.closed ?? c.before!.closed
    return {
      id: c.id as CaseId,
      comment: c.change?.comment ?? c.before!.comment,
      closed,
      firstSitrepId: c.before?.firstSitrepId ?? (delta.id as SitrepId),
      closedSitrepId: closed ? (c.before?.closedSitrepId ?? (delta.id as SitrepId)) : null,
      requestKinds: registry.all.map((k) => k.name)
    }
  })
  for (const c of childCases) {
    if (c.before?.closed === true && !(c.change?.closed ?? c.before.closed)) return Result.fail(reopenedCase(c.id))
  }

  const generations: Record<string, Generation> = {}
  const added: Array<AddedRequest> = []
  const dropped: Array<DroppedRequest> = []
  for (const kind of registry.all) {
    // The requests of this kind the delta adds, in the applied document's order; one the parent
    // carried (dropped, or in a removed case, and added again) must come back unchanged, and is then carried.
    const again = new Set<string>()
    const gained: Array<{ readonly caseId: CaseId; readonly r: RequestDocument }> = []
    for (const c of childCases) {
      if (c.change === undefined) continue
      for (const r of requestsIn(c.change, kind.documentField)) {
        const { id, ...body } = r
        const was = carried.get(`${kind.name}/${id}`)
        if (was === undefined) gained.push({ caseId: c.id as CaseId, r })
        else if (was.caseId !== c.id || was.digest !== digestOf(body)) return Result.fail(changedRequest(kind.singular, id))
        else again.add(id)
      }
    }
    const leaving = parent.carried.filter((r) => r.kind === kind.name && !stays(r) && !again.has(r.id))
    const parentGeneration = parent.generations[kind.name]
    const derived = kindGeneration(kind, parentGeneration, highest[kind.name], gained.length === 0 && leaving.length === 0, given[kind.name])
    if (Result.isFailure(derived)) return Result.fail(derived.failure)
    const generation = derived.success
    generations[kind.name] = generation
    const positions = new Map<string, number>()
    for (const { caseId, r } of gained) {
      const { id, ...body } = r
      const position = positions.get(caseId) ?? 0
      positions.set(caseId, position + 1)
      added.push({ kind: kind.name, request: { id, caseId, body, enteredAt: generation }, position })
    }
    if (generation !== parentGeneration) {
      for (const r of leaving) dropped.push({ kind: kind.name, id: r.id, droppedAtGeneration: generation })
    }
  }
  return Result.succeed({ generations, cases, added, dropped })
}
