import type { Generation, SitrepVersion } from "./generation.ts"
import type { CaseId, KindName, ResourceId, SitrepId } from "./ids.ts"

/** One request for a resource: its id is the resource's id (SPEC 1); `body` is kind-specific. */
export interface Request {
  readonly id: ResourceId
  readonly caseId: CaseId
  readonly body: Readonly<Record<string, unknown>>
}

/**
 * A request as a sitrep carries it: with the generation of its kind at which it entered the
 * lineage (issue 13). Publishing derives it from the parent; the sitrep document does not carry it.
 * An activation with execution progress at h need only execute the requests that entered after h
 * (`rules/progress.ts`, `executionPlan`).
 */
export interface SitrepRequest extends Request {
  readonly enteredAt: Generation
}

export interface Case {
  readonly id: CaseId
  readonly comment: string
  readonly closed: boolean
  /** Requests of each registered kind, by kind name. */
  readonly requests: Readonly<Record<string, ReadonlyArray<SitrepRequest>>>
  /** The sitrep that first carried this case, and the one that closed it (SPEC 2, case). */
  readonly firstSitrepId: SitrepId
  readonly closedSitrepId: SitrepId | null
}

/** An immutable, published sitrep (SPEC 2). */
export interface Sitrep {
  readonly id: SitrepId
  readonly parentId: SitrepId | null
  readonly version: SitrepVersion
  /** The planner's own label for itself, as the document gave it (SPEC 7.1): not who published. */
  readonly creatorId: string
  /**
   * Who published it (issue 25.4): the token's name (API) or the direct-mode actor, as the store
   * recorded it from the publish's grant; null for sitreps published before it was recorded.
   */
  readonly publishedBy: string | null
  readonly timeCreated: Date
  readonly comment: string
  readonly generations: Readonly<Record<string, Generation>>
  readonly cases: ReadonlyArray<Case>
}

/** What an activation needs to know of the current sitrep without loading its cases. */
export interface SitrepHeader {
  readonly id: SitrepId
  readonly version: SitrepVersion
  readonly generations: Readonly<Record<string, Generation>>
}

export const headerOf = (s: SitrepHeader): SitrepHeader => ({ id: s.id, version: s.version, generations: s.generations })

/**
 * What an executor holds of a sitrep (issue 19): its header and how many requests of each kind
 * it carries, nothing per request. That is all an activation needs of it: the generations decide
 * staleness and what to execute, the counts go into the report, and the requests it executes are
 * read from the store in pages (`SitrepStore.heldRequests`: those that entered after the
 * executed generation, a page of Delta after a publish). The store moves it to a newer version
 * by the delta (`SitrepStore.currentHeld`): O(kinds) in memory, O(Delta) rows read.
 */
export interface HeldSitrep extends SitrepHeader {
  /** Requests of each kind the sitrep carries, by kind name (0 or absent: none). */
  readonly requested: Readonly<Record<string, number>>
}

/** A whole sitrep as an executor holds it; a held one as it is. */
export const heldOf = (s: Sitrep | HeldSitrep): HeldSitrep => {
  if (!("cases" in s)) return s
  const requested: Record<string, number> = {}
  for (const kind of Object.keys(s.generations)) requested[kind] = 0
  for (const c of s.cases) for (const [kind, rs] of Object.entries(c.requests)) requested[kind] = (requested[kind] ?? 0) + rs.length
  return { ...headerOf(s), requested }
}

/** Every request of one kind that a sitrep carries, in case order. */
export const requestsOf = (s: Pick<Sitrep, "cases">, kind: KindName): ReadonlyArray<SitrepRequest> =>
  s.cases.flatMap((c) => c.requests[kind] ?? [])

/**
 * The first request of each id, in order. A sitrep never carries an id twice (publishing refuses
 * it), but a guarded batch is a port call of its own: both adapters answer one outcome per id.
 */
export const distinctRequests = (requests: ReadonlyArray<Request>): ReadonlyArray<Request> => {
  const seen = new Set<string>()
  return requests.filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)))
}

export const generationOf = (s: Pick<SitrepHeader, "generations">, kind: KindName): Generation | undefined =>
  s.generations[kind]
