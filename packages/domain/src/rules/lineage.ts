import { Result } from "effect"
import type { KindRegistry } from "../kinds/registry.ts"
import type { SitrepDocument } from "../model/document.ts"
import { FIRST_GENERATION, type Generation, nextGeneration } from "../model/generation.ts"
import type { CaseId, KindName, ResourceId, SitrepId } from "../model/ids.ts"
import { type Case, type Request, requestsOf, type Sitrep, type SitrepRequest } from "../model/sitrep.ts"

/** A request id the child no longer carries, with the generation that dropped it (SPEC 3.4: its marker gets the drop mark). */
export interface DroppedRequest {
  readonly kind: KindName
  readonly id: ResourceId
  readonly droppedAtGeneration: Generation
}

/** Everything publishing derives from a valid document and its parent. */
export interface ChildPlan {
  readonly generations: Readonly<Record<string, Generation>>
  readonly cases: ReadonlyArray<Case>
  readonly dropped: ReadonlyArray<DroppedRequest>
  /** Request ids the parent did not carry: the only ones that may be new to the lineage. */
  readonly added: ReadonlyArray<{ readonly kind: KindName; readonly id: ResourceId }>
}

/** A case of the child before its generations are known: requests without their entry generation. */
type DraftCase = Omit<Case, "requests"> & { readonly requests: Readonly<Record<string, ReadonlyArray<Request>>> }

const casesFromDocument = (registry: KindRegistry, doc: SitrepDocument, parent: Sitrep | undefined) => {
  const parentCases = new Map((parent?.cases ?? []).map((c) => [c.id, c]))
  return doc.cases.map((c): DraftCase => {
    const requests: Record<string, ReadonlyArray<Request>> = {}
    for (const kind of registry.all) {
      const raw = (c[kind.documentField] ?? []) as ReadonlyArray<{ readonly id: ResourceId } & Record<string, unknown>>
      requests[kind.name] = raw.map(({ id, ...body }) => ({ id, caseId: c.id, body }))
    }
    const before = parentCases.get(c.id)
    return {
      id: c.id,
      comment: c.comment,
      closed: c.closed,
      requests,
      firstSitrepId: before?.firstSitrepId ?? doc.id,
      closedSitrepId: c.closed ? (before?.closedSitrepId ?? doc.id) : null
    }
  })
}

const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>) => a.size === b.size && [...a].every((x) => b.has(x))

/**
 * Validates a child document against its parent (SPEC 2, 7.1) and derives what publishing needs:
 * each kind's generation (the parent's, bumped with `next()` exactly when that kind's request
 * set changed), the dropped ids whose markers the publish marks for the GC, and the case bookkeeping. Pure.
 */
export const planChild = (
  registry: KindRegistry,
  doc: SitrepDocument,
  parent: Sitrep | undefined,
  /**
   * The highest generation each kind ever had in this lineage (the store's record, SPEC 2 and
   * issue 18): a kind's generation never goes back, even when the parent does not carry the kind
   * (a release that did not know it published in between). See `childGeneration`.
   */
  highest: Readonly<Record<string, Generation>> = {}
): Result.Result<ChildPlan, string> => {
  // Duplicate ids across the whole sitrep: cases and requests of every kind share one namespace.
  const seen = new Set<string>([doc.id])
  for (const c of doc.cases) {
    if (seen.has(c.id)) return Result.fail(`id ${c.id} appears more than once in the sitrep`)
    seen.add(c.id)
    for (const kind of registry.all) {
      for (const r of (c[kind.documentField] ?? []) as ReadonlyArray<{ id: string }>) {
        if (seen.has(r.id)) return Result.fail(`id ${r.id} appears more than once in the sitrep`)
        seen.add(r.id)
      }
    }
  }
  if (parent !== undefined && doc.id === parent.id) return Result.fail(`the sitrep id ${doc.id} is its parent's id`)

  const given = doc.generations ?? {}
  for (const name of Object.keys(given)) {
    if (registry.find(name)._tag === "None") {
      return Result.fail(`generations names ${name}, which is not a resource kind (known: ${registry.all.map((k) => k.name).join(", ")})`)
    }
  }

  const cases = casesFromDocument(registry, doc, parent)
  const parentCases = new Map((parent?.cases ?? []).map((c) => [c.id, c]))
  for (const c of cases) {
    const before = parentCases.get(c.id)
    if (before?.closed === true && !c.closed) return Result.fail(`case ${c.id} was closed in the parent and cannot reopen`)
  }

  const generations: Record<string, Generation> = {}
  const dropped: Array<DroppedRequest> = []
  const added: Array<{ kind: KindName; id: ResourceId }> = []
  const entered = new Map<string, Generation>()
  for (const kind of registry.all) {
    const childRequests = cases.flatMap((c) => c.requests[kind.name] ?? [])
    const parentRequests = parent === undefined ? [] : requestsOf(parent, kind.name)
    const parentById = new Map<string, SitrepRequest>(parentRequests.map((r) => [r.id, r]))
    for (const r of childRequests) {
      const before = parentById.get(r.id)
      if (before === undefined) added.push({ kind: kind.name, id: r.id })
      else if (before.caseId !== r.caseId || canonicalJson(before.body) !== canonicalJson(r.body)) {
        return Result.fail(
          `${kind.singular} request ${r.id} differs from the parent's; a request is immutable, give a changed request a new id`
        )
      }
    }
    const childIds = new Set<string>(childRequests.map((r) => r.id))
    const parentGeneration = parent?.generations[kind.name]
    const derived = childGeneration(parentGeneration, highest[kind.name], sameSet(childIds, new Set(parentById.keys())))
    if (Result.isFailure(derived)) return Result.fail(`${kind.plural}: ${derived.failure}`)
    const generation = derived.success
    const stated = given[kind.name]
    if (stated !== undefined && stated !== generation) {
      return Result.fail(
        `generations.${kind.name} is ${stated}, but ${kind.plural} must be at generation ${generation} (${
          generation === parentGeneration
            ? "the request set did not change"
            : parentGeneration !== undefined
            ? "the request set changed"
            : highest[kind.name] !== undefined
            ? `the kind continues above ${highest[kind.name]}, the highest generation it had in this lineage`
            : "a first sitrep starts at 1"
        })`
      )
    }
    generations[kind.name] = generation
    // A carried request keeps the generation it entered at; a new one enters at this generation
    // (which bumped, since the request set changed).
    for (const r of childRequests) entered.set(r.id, parentById.get(r.id)?.enteredAt ?? generation)
    if (generation !== parentGeneration) {
      for (const r of parentRequests) {
        if (!childIds.has(r.id)) dropped.push({ kind: kind.name, id: r.id, droppedAtGeneration: generation })
      }
    }
  }
  const withEntries = cases.map((c): Case => ({
    ...c,
    requests: Object.fromEntries(
      Object.entries(c.requests).map(([k, rs]) => [k, rs.map((r) => ({ ...r, enteredAt: entered.get(r.id)! }))])
    )
  }))
  return Result.succeed({ generations, cases: withEntries, dropped, added })
}

/**
 * A kind's generation in a child (SPEC 2): the parent's, bumped with `next()` exactly when the
 * request set changed; without one in the parent, the first generation, or (issue 18) the one
 * after the highest the kind ever had in this lineage, so a generation never goes back. The
 * guard's and the delta rule's premise (generations only grow along the lineage) then holds even
 * when a kind leaves the sitreps and comes back; a parent below the record (only a corrupted
 * store could give one) also continues above it.
 */
export const childGeneration = (
  parent: Generation | undefined,
  highest: Generation | undefined,
  unchanged: boolean
): Result.Result<Generation, string> => {
  if (parent !== undefined && (highest === undefined || highest <= parent)) {
    return unchanged ? Result.succeed(parent) : Result.mapError(nextGeneration(parent), (e) => e.message)
  }
  return highest === undefined ? Result.succeed(FIRST_GENERATION) : Result.mapError(nextGeneration(highest), (e) => e.message)
}

/** JSON text with object keys sorted: request bodies are compared structurally through it. */
export const canonicalJson = (body: unknown): string => JSON.stringify(body, (_k, v) =>
  v !== null && typeof v === "object" && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : v)

/** SPEC 2, publishing is a compare-and-swap: the parent must be the current sitrep. */
export const parentIsCurrent = (parentId: SitrepId | null, current: { readonly id: SitrepId } | undefined): boolean =>
  parentId === null ? current === undefined : current !== undefined && current.id === parentId

export type { CaseId }
