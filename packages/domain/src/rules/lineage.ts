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

const casesFromDocument = (registry: KindRegistry, doc: SitrepDocument, parent: Pick<Sitrep, "cases"> | SitrepOutline | undefined) => {
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

/**
 * Validates a child document against its parent (SPEC 2, 7.1) and derives what publishing needs:
 * each kind's generation (the parent's, bumped with `next()` exactly when that kind's request
 * set changed), the dropped ids whose markers the publish marks for the GC, and the case bookkeeping. Pure.
 */
export const planChild = (
  registry: KindRegistry,
  doc: SitrepDocument,
  /**
   * The parent: a whole sitrep (carried bodies compared structurally, through `canonicalJson`), or
   * its outline without bodies (issue 19: carried bodies compared by digest, `digestOf`).
   */
  parent: Sitrep | SitrepOutline | undefined,
  /**
   * The highest generation each kind ever had in this lineage (the store's record, SPEC 2 and
   * issue 18): a kind's generation never goes back, even when the parent does not carry the kind
   * (a release that did not know it published in between). See `childGeneration`.
   */
  highest: Readonly<Record<string, Generation>> = {},
  /** The hash of the digest rule (`requestDigest`) the outline's digests were computed with; needed with an outline only. */
  sha256Hex?: (text: string) => string
): Result.Result<ChildPlan, string> => {
  // Duplicate ids across the whole sitrep: cases and requests of every kind share one namespace.
  const seen = new Set<string>([doc.id])
  for (const c of doc.cases) {
    if (seen.has(c.id)) return Result.fail(duplicateId(c.id))
    seen.add(c.id)
    for (const kind of registry.all) {
      for (const r of (c[kind.documentField] ?? []) as ReadonlyArray<{ id: string }>) {
        if (seen.has(r.id)) return Result.fail(duplicateId(r.id))
        seen.add(r.id)
      }
    }
  }
  if (parent !== undefined && doc.id === parent.id) return Result.fail(`the sitrep id ${doc.id} is its parent's id`)

  const given = doc.generations ?? {}
  const unknownKind = unknownGenerationKind(registry, given)
  if (unknownKind !== undefined) return Result.fail(unknownKind)

  const cases = casesFromDocument(registry, doc, parent)
  const parentCases = new Map<string, { readonly closed: boolean }>((parent?.cases ?? []).map((c) => [c.id, c]))
  for (const c of cases) {
    const before = parentCases.get(c.id)
    if (before?.closed === true && !c.closed) return Result.fail(reopenedCase(c.id))
  }

  const generations: Record<string, Generation> = {}
  const dropped: Array<DroppedRequest> = []
  const added: Array<{ kind: KindName; id: ResourceId }> = []
  const carried = carriedOf(registry, parent)
  const parentByKind = new Map<string, ReadonlyMap<string, ParentRequest>>()
  for (const kind of registry.all) {
    const childRequests = cases.flatMap((c) => c.requests[kind.name] ?? [])
    const parentRequests = carried.get(kind.name) ?? []
    const parentById = new Map<string, ParentRequest>()
    for (const r of parentRequests) parentById.set(r.id, r)
    parentByKind.set(kind.name, parentById)
    // The carried ones, in order, their bodies made canonical at once (`canonicalJsonAll`); the
    // child's ids are distinct (checked above), so its set is the parent's exactly when it adds
    // nothing and keeps every request.
    const kept: Array<Request> = []
    const keptParents: Array<ParentRequest> = []
    for (const r of childRequests) {
      const before = parentById.get(r.id)
      if (before === undefined) added.push({ kind: kind.name, id: r.id })
      else {
        kept.push(r)
        keptParents.push(before)
      }
    }
    const texts = canonicalJsonAll(kept.map((r) => r.body))
    for (let i = 0; i < kept.length; i++) {
      const r = kept[i]!
      const before = keptParents[i]!
      const same = "digest" in before ? before.digest === digestWith(sha256Hex, texts[i]!) : before.text === texts[i]
      if (before.caseId !== r.caseId || !same) return Result.fail(changedRequest(kind.singular, r.id))
    }
    const unchanged = kept.length === childRequests.length && kept.length === parentRequests.length
    const parentGeneration = parent?.generations[kind.name]
    const derived = kindGeneration(kind, parentGeneration, highest[kind.name], unchanged, given[kind.name])
    if (Result.isFailure(derived)) return Result.fail(derived.failure)
    const generation = derived.success
    generations[kind.name] = generation
    if (generation !== parentGeneration && kept.length < parentRequests.length) {
      const keptIds = new Set<string>(kept.map((r) => r.id))
      for (const r of parentRequests) {
        if (!keptIds.has(r.id)) dropped.push({ kind: kind.name, id: r.id, droppedAtGeneration: generation })
      }
    }
  }
  // A carried request keeps the generation it entered at; a new one enters at its kind's
  // generation (which bumped, since the request set changed).
  const withEntries = cases.map((c): Case => ({
    ...c,
    requests: Object.fromEntries(
      Object.entries(c.requests).map(([k, rs]) => {
        const before = parentByKind.get(k)
        return [k, rs.map((r) => ({ ...r, enteredAt: before?.get(r.id)?.enteredAt ?? generations[k]! }))]
      })
    )
  }))
  return Result.succeed({ generations, cases: withEntries, dropped, added })
}

/**
 * A kind's generation in a child (`childGeneration`), checked against the one the document states:
 * the refusals of `planChild` and `planDelta`, in the same words.
 */
export const kindGeneration = (
  kind: { readonly name: string; readonly plural: string },
  parentGeneration: Generation | undefined,
  highest: Generation | undefined,
  unchanged: boolean,
  stated: bigint | undefined
): Result.Result<Generation, string> => {
  const derived = childGeneration(parentGeneration, highest, unchanged)
  if (Result.isFailure(derived)) return Result.fail(`${kind.plural}: ${derived.failure}`)
  const generation = derived.success
  if (stated !== undefined && stated !== generation) {
    return Result.fail(
      `generations.${kind.name} is ${stated}, but ${kind.plural} must be at generation ${generation} (${
        generation === parentGeneration
          ? "the request set did not change"
          : parentGeneration !== undefined
          ? "the request set changed"
          : highest !== undefined
          ? `the kind continues above ${highest}, the highest generation it had in this lineage`
          : "a first sitrep starts at 1"
      })`
    )
  }
  return Result.succeed(generation)
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

/**
 * JSON text with object keys sorted (by UTF-16 code units, as `Array.prototype.sort`; keys that
 * are array indices first, ascending, as in any object rebuilt from sorted entries): request
 * bodies are compared structurally through it, and digested (`requestDigest`). The text is what
 * `JSON.stringify` with a replacer rebuilding every object from its sorted entries gives (the
 * former definition, which stored digests were computed by: a test compares the two); written
 * out by hand because that replacer cost about twice as much at R = 100,000.
 */
export const canonicalJson = (body: unknown): string => canonical(body) as string

const canonical = (v: unknown): string | undefined => {
  if (v === null || typeof v !== "object") return JSON.stringify(v)
  if (typeof (v as { toJSON?: unknown }).toJSON === "function") return canonical((v as { toJSON: () => unknown }).toJSON())
  if (Array.isArray(v)) {
    let out = "["
    for (let i = 0; i < v.length; i++) out += (i > 0 ? "," : "") + (canonical(v[i]) ?? "null")
    return out + "]"
  }
  // The order of an object rebuilt from sorted entries: array-index keys first, ascending (they
  // lead `Object.keys` already), then the others sorted.
  const keys = Object.keys(v)
  let indexes = 0
  while (indexes < keys.length && isArrayIndex(keys[indexes]!)) indexes++
  const rest = keys.slice(indexes).sort()
  keys.length = indexes
  keys.push(...rest)
  let out = "{"
  let first = true
  for (const k of keys) {
    const text = canonical((v as Record<string, unknown>)[k])
    if (text === undefined) continue
    out += (first ? "" : ",") + JSON.stringify(k) + ":" + text
    first = false
  }
  return out + "}"
}

const isArrayIndex = (k: string) => {
  const n = Number(k)
  return n >>> 0 === n && n !== 4294967295 && String(n) === k
}

/**
 * `canonicalJson` of many values at once (issue 19: every carried body of a full document): the
 * same texts, written by the native `JSON.stringify` with one sorted list of every key the values
 * have (a property list orders each object's keys as the list does, and skips the ones it lacks),
 * several times faster than one canonicalJson per value. Values with a `toJSON` take canonicalJson.
 */
export const canonicalJsonAll = (values: ReadonlyArray<unknown>): Array<string> => {
  const keys = new Set<string>()
  let plain = true
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== "object" || !plain) return
    if (typeof (v as { toJSON?: unknown }).toJSON === "function") {
      plain = false
      return
    }
    if (Array.isArray(v)) {
      for (const x of v) walk(x)
      return
    }
    for (const k of Object.keys(v)) {
      keys.add(k)
      walk((v as Record<string, unknown>)[k])
    }
  }
  for (const v of values) walk(v)
  // A key list makes JSON.stringify read each listed key with an ordinary property read, so an
  // object without its own `__proto__` would print Object.prototype under that key: such
  // documents take the one-value path.
  if (!plain || keys.has("__proto__")) return values.map(canonicalJson)
  const all = [...keys]
  const list = [...all.filter(isArrayIndex).sort((a, b) => Number(a) - Number(b)), ...all.filter((k) => !isArrayIndex(k)).sort()]
  return values.map((v) => JSON.stringify(v, list))
}

/**
 * THE digest rule of a request (issue 19): the lowercase hex SHA-256 of the UTF-8 bytes of
 * `canonicalJson(body)`. Stored with each request row, and what a publish compares a carried
 * request's body by. The domain imports `effect` only and runs on Deno, where no synchronous
 * SHA-256 is built in (Web Crypto's `subtle.digest` is asynchronous, and at R = 100,000 one call
 * per request cost about ten times Node's `createHash`), so the adapter gives the hash function
 * (`SitrepStore.sha256Hex`, from `node:crypto`, which Deno also has) and this function fixes what is hashed.
 */
export const requestDigest = (sha256Hex: (text: string) => string) => (body: Readonly<Record<string, unknown>>): string =>
  sha256Hex(canonicalJson(body))

/** The refusal of a carried request whose case or body changed: one sentence, whichever way the parent was read. */
/** The refusals both planners give (`planChild`, and `planDelta` for what a delta stands for), in one wording. */
export const duplicateId = (id: string) => `id ${id} appears more than once in the sitrep`

export const reopenedCase = (id: string) => `case ${id} was closed in the parent and cannot reopen`

/** The refusal of a stated generation for a name that is not a resource kind, if any. */
export const unknownGenerationKind = (registry: KindRegistry, given: Readonly<Record<string, unknown>>): string | undefined => {
  for (const name of Object.keys(given)) {
    if (registry.find(name)._tag === "None") {
      return `generations names ${name}, which is not a resource kind (known: ${registry.all.map((k) => k.name).join(", ")})`
    }
  }
  return undefined
}

export const changedRequest = (singular: string, id: string) =>
  `${singular} request ${id} differs from the parent's; a request is immutable, give a changed request a new id`

/**
 * A carried request as the store reads it without its body (issue 19): kind, id, case, entry
 * generation, its place in its case's list of its kind (the defined order: entry generation, then
 * position), and its digest (`requestDigest`; rows stored without one are digested on reading).
 */
export interface CarriedRequest {
  readonly kind: KindName
  readonly id: ResourceId
  readonly caseId: CaseId
  readonly enteredAt: Generation
  readonly position: number
  readonly digest: string
}

/** A sitrep without its requests' bodies: its header, cases and (all, or some of) its carried requests. */
export interface SitrepOutline extends Omit<Sitrep, "cases" | "creatorId" | "publishedBy" | "timeCreated" | "comment"> {
  readonly cases: ReadonlyArray<Omit<Case, "requests">>
  /** In the defined order per kind (entry generation, then position); all of them, or those asked for. */
  readonly carried: ReadonlyArray<CarriedRequest>
}

/** A parent's request as planChild compares it: the outline's, with its digest, or a whole sitrep's, with its body's canonical text. */
type ParentRequest = CarriedRequest | {
  readonly id: ResourceId
  readonly caseId: CaseId
  readonly enteredAt: Generation
  readonly text: string
}

const digestWith = (sha256Hex: ((text: string) => string) | undefined, text: string) => {
  if (sha256Hex === undefined) throw new Error("planChild: an outline parent needs the hash its digests were computed with")
  return sha256Hex(text)
}

/** Per kind, the parent's requests in order, with what their bodies are compared by. */
const carriedOf = (registry: KindRegistry, parent: Sitrep | SitrepOutline | undefined): Map<string, ReadonlyArray<ParentRequest>> => {
  const out = new Map<string, Array<ParentRequest>>()
  if (parent === undefined) return out
  if ("carried" in parent) {
    for (const r of parent.carried) {
      let list = out.get(r.kind)
      if (list === undefined) out.set(r.kind, (list = []))
      list.push(r)
    }
    return out
  }
  for (const kind of registry.all) {
    const requests = requestsOf(parent, kind.name)
    const texts = canonicalJsonAll(requests.map((r) => r.body))
    out.set(kind.name, requests.map((r: SitrepRequest, i) => ({ id: r.id, caseId: r.caseId, enteredAt: r.enteredAt, text: texts[i]! })))
  }
  return out
}

/** SPEC 2, publishing is a compare-and-swap: the parent must be the current sitrep. */
export const parentIsCurrent = (parentId: SitrepId | null, current: { readonly id: SitrepId } | undefined): boolean =>
  parentId === null ? current === undefined : current !== undefined && current.id === parentId

export type { CaseId }
