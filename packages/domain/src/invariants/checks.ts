import { Option } from "effect"
import type { KindRegistry } from "../kinds/registry.ts"
import type { KindName } from "../model/ids.ts"
import type { ActivationReport } from "../model/report.ts"
import { requestsOf, type Sitrep } from "../model/sitrep.ts"
import {
  type CreateLog,
  type DeleteLog,
  isStrayTombstone,
  type Published,
  removals,
  requestedAt,
  sameStores,
  type StoreSnapshot,
  type Watermarks
} from "./snapshot.ts"

/**
 * The invariants of SPEC section 4, written once, as pure functions over a snapshot of the stores
 * and the logs of what happened (snapshot.ts). Each returns the checks it made, one per thing it
 * judged, so a caller can count them (the simulation's summary), record violations, or fail on the
 * first (the tests). The simulation, the model-based test, the concurrency test and the fault
 * tests all judge through these.
 */
export const INVARIANTS = [
  "No resurrection",
  "No stale creation",
  "Convergence",
  "Idempotence",
  "GC safety",
  "GC liveness",
  "Monotonicity",
  "Authorization"
] as const
export type InvariantName = typeof INVARIANTS[number]

/** One check: the invariant it belongs to, and null when it held or why it did not. */
export interface Check {
  readonly invariant: InvariantName
  readonly violation: string | null
}

const check = (invariant: InvariantName, holds: boolean, violation: () => string): Check => ({
  invariant,
  violation: holds ? null : violation()
})

/** Ids of a kind, as a check's scope: which ids it judges. */
export type IdsOf = (kind: string) => Iterable<string>

const words = (registry: KindRegistry, kind: string) =>
  Option.match(registry.find(kind), { onNone: () => ({ singular: kind, destroying: undefined }), onSome: (k) => ({ singular: k.singular, destroying: k.lifecycle?.destroyingState }) })

const requestIds = (s: Sitrep, kind: string): ReadonlyArray<string> => requestsOf(s, kind as KindName).map((r) => r.id)

/** Every marker the snapshot holds, per kind (the scope of the tests' final checks). */
export const markerIds = (now: StoreSnapshot): IdsOf => (kind) => now.kinds[kind]?.markers.keys() ?? []

// ---- No resurrection ----------------------------------------------------------------------------

/**
 * No resurrection: a deleted id has no row again (a kind with a lifecycle may still be destroying
 * it) and its marker, if any, is a tombstone. One check per deleted id.
 */
export const noResurrection = (
  registry: KindRegistry,
  now: StoreSnapshot,
  deleted: Iterable<{ readonly kind: string; readonly id: string }>
): Array<Check> =>
  [...deleted].map((d) => {
    const { destroying, singular } = words(registry, d.kind)
    const row = now.kinds[d.kind]?.rows.get(d.id)
    const marker = now.kinds[d.kind]?.markers.get(d.id)
    const rowOk = row === undefined || (destroying !== undefined && row.state === destroying)
    const markerOk = marker === undefined || marker.deleted
    return check("No resurrection", rowOk && markerOk, () => `${singular} ${d.id} exists again after an operator deleted it`)
  })

/**
 * No resurrection, from the logs of concurrent actors: no second delete found a live row to remove,
 * and no guarded batch that began after an id's delete ended created it.
 */
export const noResurrectionInLog = (
  registry: KindRegistry,
  deletes: ReadonlyArray<DeleteLog>,
  creates: ReadonlyArray<CreateLog>
): Array<Check> => {
  const checks: Array<Check> = []
  const times = new Map<string, number>()
  const firstEnd = new Map<string, number>()
  for (const d of removals(deletes)) {
    const key = `${d.kind}/${d.id}`
    times.set(key, (times.get(key) ?? 0) + 1)
    if (!firstEnd.has(key)) firstEnd.set(key, d.end)
  }
  for (const [key, n] of times) {
    const [kind, id] = key.split("/") as [string, string]
    checks.push(check("No resurrection", n === 1, () => `${words(registry, kind).singular} ${id} was deleted ${n} times`))
  }
  for (const c of creates) {
    if (c.result._tag !== "Applied") continue
    for (const o of c.result.outcomes) {
      const deletedAt = firstEnd.get(`${c.kind}/${o.id}`)
      if (o.outcome !== "Created" || deletedAt === undefined) continue
      checks.push(check("No resurrection", c.start < deletedAt, () => `${words(registry, c.kind).singular} ${o.id} was created after its delete`))
    }
  }
  return checks
}

// ---- No stale creation --------------------------------------------------------------------------

/** No stale creation, as an activation report saw it: anything created came from the current generation. */
export const noStaleCreationInReport = (report: ActivationReport): Array<Check> =>
  Object.entries(report.kinds).filter(([, k]) => k.created > 0).map(([kind, k]) =>
    check(
      "No stale creation",
      !k.stale && k.generation !== null && k.generation === k.currentGeneration,
      () => `${report.executor} created ${k.created} ${kind} from generation ${k.generation} while generation ${k.currentGeneration} was current`
    ))

/** No stale creation, from the stores: every marker in scope was created at a generation that requested its id. */
export const noStaleCreationOfMarkers = (
  registry: KindRegistry,
  now: StoreSnapshot,
  lineage: ReadonlyArray<Published>,
  scope: IdsOf
): Array<Check> =>
  registry.all.flatMap((kind) => [...scope(kind.name)].flatMap((id) => {
    const marker = now.kinds[kind.name]?.markers.get(id)
    // A tombstone a delete wrote where nothing requested the id is no creation (issue 18).
    if (marker === undefined || isStrayTombstone(marker)) return []
    return [check("No stale creation", requestedAt(lineage, kind.name, marker.createdAt, id), () =>
      `${kind.singular} ${id} was created at generation ${marker.createdAt}, which did not request it`)]
  }))

/**
 * No stale creation, across one activation: every row that appeared was requested by the held
 * sitrep, and the held generation of its kind was the current one. With `outcome` (the
 * activation's report and the progress before and after it), also: the report's `stale` is the
 * guard's verdict, with or without requests, and a stale activation moved no execution progress.
 */
export const noStaleCreationOfActivation = (
  registry: KindRegistry,
  held: Sitrep,
  current: Sitrep,
  before: StoreSnapshot,
  after: StoreSnapshot,
  outcome?: { readonly report: ActivationReport; readonly progressBefore: Watermarks; readonly progressAfter: Watermarks }
): Array<Check> =>
  registry.all.flatMap((kind) => {
    const requested = new Set(requestIds(held, kind.name))
    const heldAt = held.generations[kind.name], currentAt = current.generations[kind.name]
    const guardPassed = heldAt === currentAt
    const appeared = [...(after.kinds[kind.name]?.rows.keys() ?? [])].filter((id) => !(before.kinds[kind.name]?.rows.has(id) ?? false))
    const checks: Array<Check> = []
    if (outcome !== undefined) {
      const stale = outcome.report.kinds[kind.name]?.stale
      checks.push(check("No stale creation", stale === !guardPassed, () =>
        `${kind.name}: the report says stale=${stale} holding generation ${heldAt} (${requested.size} requests) while the current one is ${currentAt}`))
      if (!guardPassed) {
        const was = outcome.progressBefore.progress[kind.name]?.executed ?? null
        const is = outcome.progressAfter.progress[kind.name]?.executed ?? null
        checks.push(check("No stale creation", was === is, () =>
          `${kind.name}: a stale activation (generation ${heldAt}, current ${currentAt}) moved execution progress from ${was} to ${is}`))
      }
    }
    return [...checks, ...appeared.map((id) =>
      check("No stale creation", guardPassed && requested.has(id), () =>
        `${kind.singular} ${id} was created from version ${held.version} (generation ${heldAt}) while generation ${currentAt} was current`))]
  })

/**
 * No stale creation, from the logs of concurrent actors: a batch that created anything held a
 * generation that was current at some point and not yet replaced when the batch began, and that
 * generation requested every id it created.
 */
export const noStaleCreationInLog = (
  registry: KindRegistry,
  lineage: ReadonlyArray<Published>,
  creates: ReadonlyArray<CreateLog>
): Array<Check> =>
  creates.flatMap((c) => {
    if (c.result._tag !== "Applied") return []
    const created = c.result.outcomes.filter((o) => o.outcome === "Created")
    if (created.length === 0) return []
    const singular = words(registry, c.kind).singular
    const atGeneration = lineage.filter((p) => p.generations[c.kind] === c.held)
    const replaced = lineage.find((p) => p.generations[c.kind]! > c.held)
    return [
      check("No stale creation", atGeneration.length > 0 && (replaced === undefined || c.start < replaced.end), () =>
        `${singular} creation held generation ${c.held}, which ${atGeneration.length === 0 ? "was never current" : "had been replaced"}`),
      ...created.map((o) =>
        check("No stale creation", atGeneration[0]?.requests[c.kind]?.has(o.id) ?? false, () =>
          `${singular} ${o.id} was created at generation ${c.held}, which did not request it`))
    ]
  })

// ---- Convergence --------------------------------------------------------------------------------

/**
 * Convergence: after an activation holding the current sitrep, every request of it that no
 * operator deleted exists. `exempt`: kinds whose creation is known to fail (a fault under test).
 */
export const convergence = (
  registry: KindRegistry,
  now: StoreSnapshot,
  current: Sitrep,
  deleted: (kind: string, id: string) => boolean,
  exempt: (kind: string) => boolean = () => false
): Array<Check> =>
  registry.all.filter((k) => !exempt(k.name)).flatMap((kind) =>
    requestIds(current, kind.name).filter((id) => !deleted(kind.name, id)).map((id) =>
      check("Convergence", now.kinds[kind.name]?.rows.has(id) ?? false, () =>
        `${kind.singular} ${id} is requested by the current sitrep but does not exist`)))

/** Convergence's other half: a resource and its marker are written together, so a live marker has its row. */
export const liveMarkersHaveRows = (registry: KindRegistry, now: StoreSnapshot): Array<Check> =>
  registry.all.flatMap((kind) => {
    const k = now.kinds[kind.name]
    if (k === undefined) return []
    return [...k.markers].filter(([, m]) => !m.deleted).map(([id]) =>
      check("Convergence", k.rows.has(id), () => `${kind.singular} ${id} has a live marker but no row`))
  })

// ---- Idempotence --------------------------------------------------------------------------------

/** Idempotence: the same activation again created nothing and changed no row or marker. */
export const idempotence = (before: StoreSnapshot, after: StoreSnapshot, createdAgain: number): Check =>
  check("Idempotence", createdAgain === 0 && sameStores(before, after), () =>
    `re-running the activation created ${createdAgain} and changed rows`)

// ---- GC safety and liveness ---------------------------------------------------------------------

/**
 * GC safety: no marker is collected while the current sitrep (the one that can pass the guard)
 * requests its id. `created`: whether the id's marker was ever seen (before this snapshot). One
 * check per current request.
 */
export const gcSafety = (
  registry: KindRegistry,
  now: StoreSnapshot,
  current: Sitrep,
  created: (kind: string, id: string) => boolean
): Array<Check> =>
  registry.all.flatMap((kind) =>
    requestIds(current, kind.name).map((id) =>
      check("GC safety", (now.kinds[kind.name]?.markers.has(id) ?? false) || !created(kind.name, id), () =>
        `the marker of ${kind.singular} ${id} was collected while the current sitrep still requests it`)))

/**
 * GC liveness: after a sweep judged from the current sitrep, no marker in scope is collectible
 * (its id unrequested and its marker older than the kind's current generation: SPEC 3.3). One
 * check per id in scope.
 */
export const gcLiveness = (registry: KindRegistry, now: StoreSnapshot, current: Sitrep, scope: IdsOf): Array<Check> =>
  registry.all.flatMap((kind) => {
    const requested = new Set(requestIds(current, kind.name))
    const generation = current.generations[kind.name]
    return [...scope(kind.name)].map((id) => {
      const marker = now.kinds[kind.name]?.markers.get(id)
      const collectible = marker !== undefined && !requested.has(id) && generation !== undefined && marker.createdAt < generation
      return check("GC liveness", !collectible, () =>
        `the marker of dropped ${kind.singular} ${id} survived a reconciling sweep from the current sitrep`)
    })
  })

// ---- Monotonicity -------------------------------------------------------------------------------

/** Monotonicity: the newest history version and every progress mark are no lower than before. */
export const monotonicity = (before: Watermarks, now: Watermarks): Array<Check> => {
  const checks: Array<Check> = []
  const b = before.newestVersion, n = now.newestVersion
  if (b !== null && n !== null) checks.push(check("Monotonicity", n >= b, () => `history went back from version ${b} to ${n}`))
  for (const kind of new Set([...Object.keys(before.progress), ...Object.keys(now.progress)])) {
    for (const what of ["executed", "swept"] as const) {
      const was = before.progress[kind]?.[what] ?? null
      const is = now.progress[kind]?.[what] ?? null
      if (was === null && is === null) continue
      checks.push(check("Monotonicity", is !== null && is >= (was ?? 0n), () => `${kind} ${what} progress went back from ${was ?? 0n} to ${is}`))
    }
  }
  return checks
}

/** Monotonicity of the history itself: versions are dense and end at the current one. One check per version. */
export const historyIsDense = (versions: ReadonlyArray<number>, current: Sitrep): Array<Check> =>
  versions.map((v, i) =>
    check("Monotonicity", v === versions[0]! + i && (i < versions.length - 1 || v === current.version), () =>
      `history version ${v} at position ${i} (from ${versions[0]}, current ${current.version}) is out of sequence`))

/** Progress never runs ahead: every kind has executed progress, at most its current generation. */
export const progressWithinCurrent = (registry: KindRegistry, now: Watermarks, current: Sitrep): Array<Check> =>
  registry.all.map((kind) => {
    const executed = now.progress[kind.name]?.executed ?? null
    const generation = current.generations[kind.name]
    return check("Monotonicity", executed !== null && generation !== undefined && executed <= generation, () =>
      `${kind.name} executed progress is ${executed ?? "missing"} at current generation ${generation}`)
  })

// ---- Authorization ------------------------------------------------------------------------------

/**
 * Authorization: a delete without `admin` was refused as not authorized, said why, and changed
 * nothing. `failure`: how the attempt failed (null: it succeeded).
 */
export const authorization = (
  attempt: { readonly who: string; readonly what: string; readonly failure: { readonly _tag: string; readonly message: string } | null },
  before: StoreSnapshot,
  after: StoreSnapshot
): Check => {
  const refused = attempt.failure !== null && attempt.failure._tag === "NotAuthorized" && attempt.failure.message.length > 0
  return check("Authorization", refused && sameStores(before, after), () =>
    `${attempt.who} deleting ${attempt.what}: ${refused ? "the resource changed" : "was not refused as not authorized"}`)
}

/** The first violated check, if any. */
export const firstViolation = (checks: ReadonlyArray<Check>): Check | undefined => checks.find((c) => c.violation !== null)
