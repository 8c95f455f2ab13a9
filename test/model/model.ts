import { publishAsAdmin, pruneAsAdmin } from "../support/ports.ts"
import {
  activate,
  ActivationMode,
  advance,
  authorization,
  convergence,
  deleteResource,
  type Generation,
  type KindName,
  type KindProgress,
  idempotence,
  Kinds,
  noProgress,
  noStaleCreationOfActivation,
  ProgressStore,
  type ProgressMark,
  type ResourceId,
  ResourceStore,
  requestsOf,
  type Sitrep,
  SitrepStore,
  type SitrepVersion,
  sweepKind
} from "@fm-rendezvous/domain"
import { Effect, Layer, ManagedRuntime, Option } from "effect"
import fc from "fast-check"
import { type CaseSpec, sitrepDoc, uuid } from "../support/documents.ts"
import { CreationFaults } from "@fm-rendezvous/testkit/faults"
import { writeUnmarked } from "../support/unmarked.ts"
import { testKinds } from "../support/kinds.ts"
import type { Ports, PortTarget } from "../support/ports.ts"
import type { UnmarkedRows } from "../support/unmarked.ts"
import { checkAlways, checkLiveness, holds, invariant, judged, type ModelView, registry, type Snapshot, snapshot, watermarks } from "./invariants.ts"

type Runtime = ManagedRuntime.ManagedRuntime<Ports | CreationFaults | UnmarkedRows, unknown>

const KINDS = testKinds.map((k) => k.name as string)
const PREFIX: Record<string, number> = { alert: 0xa, support_bundle: 0xb, widget: 0xd }
const FIELD: Record<string, "alerts" | "bundles" | "widgets"> = { alert: "alerts", support_bundle: "bundles", widget: "widgets" }

interface Model extends ModelView {
  readonly kinds: ReadonlyArray<string>
  current: Sitrep | undefined
  /** Every sitrep published, as executors may hold them (stale ones included). */
  loaded: Array<Sitrep>
  nextId: number
  deleted: Map<string, Set<string>>
  everCreated: Map<string, Set<string>>
  /** Ids whose marker was ever seen: GC safety is about markers, and an unmarked row has none. */
  everMarked: Map<string, Set<string>>
  everRequested: Map<string, Set<string>>
  failing: Set<string>
  newestVersion: number
  progress: Map<string, { executed: bigint; swept: bigint }>
  /** Kinds whose execution progress was set ahead of what was executed: convergence may wait. */
  corrupt: Set<string>
  /** Kinds whose delta world went its own way after a corruption: no longer compared. */
  diverged: Set<string>
  /**
   * Per version published: the document's cases (id, closed, each kind's ids in the defined
   * order: carried requests in the parent's order, then the added ones in the document's) and
   * the sitrep read back right after publishing.
   */
  published: Map<number, { readonly shape: string; readonly read: string }>
}

/**
 * Two worlds run every command (issue 13): `run`, the delta world, where activations read
 * progress and execute only what entered after it; and `full`, the same adapter with progress
 * hidden from activations (they execute every request and sweep every time, as without progress).
 * After every command both must hold the same resources and markers. `tamper` edits the delta
 * world's execution progress row as a restored backup or a hand edit would.
 */
interface Real {
  readonly run: <A>(effect: Effect.Effect<A, unknown, Ports | CreationFaults | UnmarkedRows>) => Promise<A>
  readonly full: <A>(effect: Effect.Effect<A, unknown, Ports | CreationFaults | UnmarkedRows>) => Promise<A>
  readonly tamper: (kind: string, mark: ProgressMark) => void
}

/** Runs on both worlds; answers the delta world's result. */
const both = async <A>(real: Real, effect: Effect.Effect<A, unknown, Ports | CreationFaults | UnmarkedRows>): Promise<A> => {
  const a = await real.run(effect)
  await real.full(effect)
  return a
}

/** What must agree between the two worlds: which rows exist (with their state) and the markers. */
const outcomeOf = (now: Snapshot, kinds: ReadonlySet<string>) => {
  const of = (k: string) => kinds.has(k.split("/")[0]!)
  return JSON.stringify({
    rows: [...now.rows].filter(([k]) => of(k)).map(([k, r]) => [k, r.state ?? null]).sort(),
    markers: [...now.markers].filter(([k]) => of(k)).map(([k, m]) => [k, String(m.createdAt), m.deleted]).sort()
  })
}

/** How many times each command ran, for the summary line a run prints. */
const ran = new Map<string, number>()
/** Milliseconds spent per phase, for the same line: where the test's time goes (CI's critical path). */
const spent = new Map<string, number>()
const timed = async <A>(phase: string, f: () => Promise<A>): Promise<A> => {
  const t = performance.now()
  try {
    return await f()
  } finally {
    spent.set(phase, (spent.get(phase) ?? 0) + performance.now() - t)
  }
}

type Command = fc.AsyncCommand<Model, Real>

/** A command of the model: its label (shown in a counterexample), when it applies, what it does. */
const command = (
  label: string,
  check: (m: Readonly<Model>) => boolean,
  run: (m: Model, real: Real) => Promise<void>
): Command => ({
  check,
  run: (m, real) => {
    const name = label.split("(")[0]!
    ran.set(name, (ran.get(name) ?? 0) + 1)
    return run(m, real)
  },
  toString: () => label
})

const setOf = (m: Map<string, Set<string>>, kind: string) => {
  let s = m.get(kind)
  if (s === undefined) m.set(kind, (s = new Set()))
  return s
}

/** A sitrep's cases as the model compares them with the document: id, closed, each kind's ids in order. */
const shapeOf = (s: Sitrep) =>
  JSON.stringify(s.cases.map((c) => [c.id, c.closed, KINDS.map((k) => (c.requests[k] ?? []).map((r) => r.id))]))

const shown = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === "bigint" ? v.toString() : v))

/**
 * Every retained version reads back what was published (issue 19: requests are stored once, with
 * the generations they were carried for, so a later publish or a prune must not change what an
 * earlier version reads): the document's cases and requests in the defined order, and the very
 * sitrep read right after its publish. Versions below the oldest retained are gone.
 */
const checkRetained = (m: Model, real: Real) => timed("Retention", () =>
  real.run(Effect.gen(function*() {
    const store = yield* SitrepStore
    const range = yield* store.historyRange
    if (Option.isNone(range)) return
    const { oldest, newest } = range.value
    for (let v = oldest as number; v <= (newest as number); v++) {
      const read = yield* store.byVersion(v as SitrepVersion)
      const published = m.published.get(v)
      invariant("Retention", Option.isSome(read) && published !== undefined, () => `retained version ${v} cannot be read`)
      const sitrep = Option.getOrThrow(read)
      invariant("Retention", shapeOf(sitrep) === published!.shape, () =>
        `version ${v} reads ${shapeOf(sitrep)}, but ${published!.shape} was published`)
      invariant("Retention", shown(sitrep) === published!.read, () => `version ${v} reads otherwise than right after its publish`)
    }
    if ((oldest as number) > 1) {
      const pruned = yield* store.byVersion(((oldest as number) - 1) as SitrepVersion)
      invariant("Retention", Option.isNone(pruned), () => `version ${(oldest as number) - 1}, below the oldest retained, can still be read`)
    }
  })))

const observe = (m: Model, real: Real) =>
  real.run(snapshot(m.kinds, m.everRequested)).then((now) => {
    for (const k of now.rows.keys()) {
      const [kind, id] = k.split("/") as [string, string]
      setOf(m.everCreated, kind).add(id)
    }
    for (const k of now.markers.keys()) {
      const [kind, id] = k.split("/") as [string, string]
      setOf(m.everMarked, kind).add(id)
    }
    return now
  })

const afterEach = async (m: Model, real: Real) => {
  const now = await observe(m, real)
  m.newestVersion = await real.run(checkAlways(m, now))
  const compared = new Set(m.kinds.filter((k) => !m.diverged.has(k)))
  const full = await real.full(snapshot(m.kinds, m.everRequested))
  invariant("Convergence", outcomeOf(now, compared) === outcomeOf(full, compared), () =>
    `the delta activation's world differs from the full one's: ${outcomeOf(now, compared)} vs ${outcomeOf(full, compared)}`)
  return now
}

/** The planner: carry open cases forward, drop some requests, close cases, open new ones. */
const publishCmd = (drops: number, adds: ReadonlyArray<number>, close: number, newCase: boolean, empty: number | null): Command =>
  command(`Publish(drops=${drops}, adds=${adds}, close=${close}, newCase=${newCase}, empty=${empty})`, () => true, async (m, real) => {
  const cases: Array<CaseSpec> = []
  // What every version must read back: the document's cases with each kind's requests in the
  // defined order (docs/SQL.md): the carried ones in the parent's order, then the added ones.
  const definedOrder: Array<Record<string, Array<string>>> = []
  // Bit 30 of `drops` (bits 0-29 choose the drops): the document lists carried requests in reverse.
  const reversed = ((drops >>> 30) & 1) === 1
  const parent = m.current
  let bit = 0
  for (const c of parent?.cases ?? []) {
    if (c.closed) continue // a closed case is dropped once carried closed (its requests go with it)
    const spec: Record<string, unknown> = { id: c.id, closed: close % 7 === cases.length }
    const defined: Record<string, Array<string>> = {}
    KINDS.forEach((kind, i) => {
      // `empty` drops every request of one kind: its request set becomes empty (issue 15).
      const kept = (c.requests[kind] ?? []).map((r) => r.id).filter(() => ((drops >> bit++ % 30) & 1) === 0 && empty !== i)
      defined[kind] = kept
      spec[FIELD[kind]!] = reversed ? [...kept].reverse() : kept
    })
    cases.push(spec as unknown as CaseSpec)
    definedOrder.push(defined)
  }
  if (newCase || cases.length === 0) {
    cases.push({ id: uuid(m.nextId++, 0xc) })
    definedOrder.push({})
  }
  const target = cases[cases.length - 1] as unknown as Record<string, unknown>
  KINDS.forEach((kind, i) => {
    const fresh = Array.from({ length: empty === i ? 0 : adds[i] ?? 0 }, () => uuid(m.nextId++, PREFIX[kind]))
    for (const id of fresh) setOf(m.everRequested, kind).add(id)
    if (target["closed"] !== true) {
      target[FIELD[kind]!] = [...((target[FIELD[kind]!] as Array<string>) ?? []), ...fresh]
      definedOrder[definedOrder.length - 1]![kind] = [...(definedOrder[definedOrder.length - 1]![kind] ?? []), ...fresh]
    }
  })
  const id = uuid(m.nextId++, 0x5)
  const published = await both(real, publishAsAdmin(sitrepDoc({ id, parentId: parent?.id ?? null, cases })))
  invariant("Monotonicity", published.version === m.newestVersion + 1, () =>
    `publish gave version ${published.version} after ${m.newestVersion}`)
  const stored = await real.run(Effect.flatMap(SitrepStore, (s) => s.byVersion(published.version as SitrepVersion)).pipe(Effect.map(Option.getOrThrow)))
  for (const kind of KINDS) {
    const before = new Set((parent === undefined ? [] : requestsOf(parent, kind as KindName)).map((r) => r.id))
    const after = new Set(requestsOf(stored, kind as KindName).map((r) => r.id))
    const changed = before.size !== after.size || [...after].some((x) => !before.has(x))
    const expected = parent === undefined ? 1n : parent.generations[kind]! + (changed ? 1n : 0n)
    invariant("Monotonicity", stored.generations[kind] === expected, () =>
      `${kind} generation is ${stored.generations[kind]}, expected ${expected}`)
  }
  // An executor holding the parent moves by the delta to what a full read gives.
  if (parent !== undefined) {
    const moved = await timed("Retention", () => real.run(Effect.flatMap(SitrepStore, (s) => s.currentFrom(parent)).pipe(Effect.map(Option.getOrThrow))))
    invariant("Retention", shown(moved) === shown(stored), () => `a move from version ${parent.version} reads otherwise than a full read`)
  }
  m.published.set(published.version, {
    shape: JSON.stringify(cases.map((c, i) => [c.id, (c as unknown as Record<string, unknown>)["closed"] === true, KINDS.map((k) => definedOrder[i]![k] ?? [])])),
    read: shown(stored)
  })
  m.current = stored
  m.loaded.push(stored)
  await checkRetained(m, real)
  await afterEach(m, real)
  })

/** An executor activation holding any published sitrep, stale ones included. */
const activateCmd = (pick: number, executor: number, reconcile: boolean): Command =>
  command(`Activate(pick=${pick}, executor=${executor}, reconcile=${reconcile})`, (m: Readonly<Model>) => m.loaded.length > 0, async (m, real) => {
  const held = m.loaded[pick % m.loaded.length]!
  const current = m.current!
  const before = await observe(m, real)
  const progressBefore = new Map(m.progress)
  const mode = reconcile ? ActivationMode.Reconcile() : ActivationMode.Routine()
  const options = { executor: `executor-${executor}`, held, batchSize: 2, pageSize: 3, mode }
  const report = await real.run(activate(options))
  const fullReport = await real.full(activate(options))
  const after = await afterEach(m, real)
  holds(noStaleCreationOfActivation(registry, held, current, judged(m.kinds, before), judged(m.kinds, after), {
    report,
    progressBefore: watermarks(progressBefore),
    progressAfter: watermarks(m.progress)
  }))
  for (const kind of m.kinds) {
    if (!m.diverged.has(kind)) {
      const outcome = (r: typeof report) => JSON.stringify([r.kinds[kind]!.created, r.kinds[kind]!.stale])
      invariant("Convergence", outcome(report) === outcome(fullReport), () =>
        `${kind}: the delta activation created/stale ${outcome(report)}, the full one ${outcome(fullReport)}`)
    }
    // A corrupted progress row may only delay convergence, until a reconciliation holding the
    // current sitrep executes everything (and progress no longer claims more than that).
    if (reconcile && held.id === current.id && report.kinds[kind]!.errorCount === 0 &&
      (m.progress.get(kind)?.executed ?? 0n) <= current.generations[kind]!) m.corrupt.delete(kind)
  }
  if (held.id === current.id) {
    holds(convergence(registry, judged(m.kinds, after), current, (kind, id) => m.deleted.get(kind)?.has(id) ?? false,
      (kind) => m.failing.has(kind) || m.corrupt.has(kind)))
  }
  if (held.id === current.id) checkLiveness(m, after)
  // The same activation again (a reconciling one really re-executes every request; a routine one
  // re-runs what progress did not record as done).
  const rerun = await both(real, activate(options))
  const again = await afterEach(m, real)
  const createdAgain = Object.values(rerun.kinds).reduce((n, k) => n + k.created, 0)
  holds(idempotence(judged(m.kinds, after), judged(m.kinds, again), createdAgain))
  })

/** An operator delete, by an admin or (refused) by a viewer. */
const deleteCmd = (kindPick: number, pick: number, asAdmin: boolean): Command =>
  command(`Delete(kind=${kindPick}, pick=${pick}, admin=${asAdmin})`, () => true, async (m, real) => {
  const kindName = m.kinds[kindPick % m.kinds.length]!
  const known = [...(m.everCreated.get(kindName) ?? [])]
  const id = (known.length > 0 ? known[pick % known.length]! : uuid(999_999, PREFIX[kindName])) as ResourceId
  const kind = await real.run(Effect.map(Kinds, (k) => Option.getOrThrow(k.find(kindName))))
  const actor = asAdmin ? { name: "alice", role: "admin" as const } : { name: "victor", role: "viewer" as const }
  const before = await observe(m, real)
  const outcome = await real.run(Effect.result(deleteResource(actor, kind, id)))
  await real.full(Effect.result(deleteResource(actor, kind, id)))
  if (!asAdmin) {
    const after = await observe(m, real)
    const failure = outcome._tag === "Failure" ? outcome.failure : null
    holds(authorization({ who: "a viewer", what: `${kindName} ${id}`, failure }, judged(m.kinds, before), judged(m.kinds, after)))
  } else if (outcome._tag === "Success") {
    setOf(m.deleted, kindName).add(id)
  }
  await afterEach(m, real)
  })

/** A sweep of every kind judged from any published sitrep (possibly pruned since). */
const sweepCmd = (pick: number, reconcile: boolean): Command =>
  command(`Sweep(pick=${pick}, reconcile=${reconcile})`, (m: Readonly<Model>) => m.loaded.length > 0, async (m, real) => {
  const held = m.loaded[pick % m.loaded.length]!
  for (const kind of m.kinds) await both(real, sweepKind(kind as KindName, held.id, 2, reconcile))
  const after = await afterEach(m, real)
  if (held.id === m.current?.id) checkLiveness(m, after)
  })

const pruneCmd = (keep: number): Command =>
  command(`Prune(keep=${keep})`, (m: Readonly<Model>) => m.current !== undefined, async (m, real) => {
  await both(real, pruneAsAdmin(keep, 2))
  const current = await real.run(Effect.flatMap(SitrepStore, (s) => s.current))
  invariant("Monotonicity", Option.isSome(current) && current.value.id === m.current!.id, () => "pruning removed the current sitrep")
  await checkRetained(m, real)
  await afterEach(m, real)
  })

const injectFailureCmd = (kindPick: number, failing: boolean): Command =>
  command(`InjectFailure(kind=${kindPick}, failing=${failing})`, () => true, async (m, real) => {
  const kind = m.kinds[kindPick % m.kinds.length]!
  await both(real, Effect.flatMap(CreationFaults, (f) => f.setFailing(kind, failing)))
  if (failing) m.failing.add(kind)
  else m.failing.delete(kind)
  await afterEach(m, real)
  })

/**
 * A row FM did not create (issue 18; SPEC 3.1: data from before FM, or written by another path):
 * the row of a request of any published sitrep, stale ones included, written without a marker.
 * Deleting it must leave a tombstone like any other delete, so No resurrection covers it.
 */
const unmarkedRowCmd = (pick: number, kindPick: number, requestPick: number): Command =>
  command(`UnmarkedRow(pick=${pick}, kind=${kindPick}, request=${requestPick})`, (m: Readonly<Model>) => m.loaded.length > 0, async (m, real) => {
  const sitrep = m.loaded[pick % m.loaded.length]!
  const kind = m.kinds[kindPick % m.kinds.length]! as KindName
  const requests = requestsOf(sitrep, kind)
  const request = requests[requestPick % Math.max(1, requests.length)]
  // Only ids nothing knows yet: a row with no marker and no tombstone, as a foreign writer leaves it.
  if (request !== undefined && !(m.everCreated.get(kind)?.has(request.id) ?? false) && !(m.deleted.get(kind)?.has(request.id) ?? false)) {
    await both(real, Effect.catch(writeUnmarked(kind, request), () => Effect.succeed(false)))
  }
  await afterEach(m, real)
  })

const collectBundlesCmd = (): Command =>
  command("CollectBundles", () => true, async (m, real) => {
  await both(real, Effect.flatMap(ResourceStore, (r) => r.finishDestroying("support_bundle" as KindName, 3)))
  await afterEach(m, real)
  })

/**
 * Corrupts one kind's execution progress (issue 13): set it ahead of the current generation,
 * behind what was executed, or to another kind's value. Behind only makes activations do more;
 * ahead (or another kind's higher value) makes them skip requests: convergence waits until a
 * reconciliation pass, every other invariant holds throughout.
 */
const tamperCmd = (kindPick: number, how: "ahead" | "behind" | "otherKind", by: number): Command =>
  command(`TamperProgress(kind=${kindPick}, how=${how}, by=${by})`, (m: Readonly<Model>) => m.current !== undefined, async (m, real) => {
  const kind = m.kinds[kindPick % m.kinds.length]!
  const stored = m.progress.get(kind)?.executed ?? 0n
  const other = m.progress.get(m.kinds[(kindPick + 1 + by) % m.kinds.length]!)?.executed ?? 0n
  const value = how === "ahead" ? m.current!.generations[kind]! + BigInt(by) : how === "behind" ? stored - BigInt(by) : other
  if (value < 1n) return
  real.tamper(kind, { generation: value as Generation, at: new Date(0), by: "tampered" })
  m.progress.set(kind, { executed: value, swept: m.progress.get(kind)?.swept ?? 0n })
  if (value > stored) {
    m.corrupt.add(kind)
    m.diverged.add(kind)
  }
  await afterEach(m, real)
  })

/**
 * The delta world's progress as a row an operator can edit: `overrides` replaces a kind's
 * executed mark when read, and moves forward with every mark recorded, as the row would.
 */
const tamperableProgress = (overrides: Map<string, ProgressMark>) =>
  Layer.effect(
    ProgressStore,
    Effect.gen(function*() {
      const stored = yield* ProgressStore
      return ProgressStore.of({
        readAll: Effect.map(stored.readAll, (all) => {
          const out: Record<string, KindProgress> = { ...all }
          for (const [kind, mark] of overrides) out[kind] = { ...(all[kind] ?? noProgress), executedThrough: mark }
          return out
        }),
        recordExecuted: (kind, mark) =>
          Effect.tap(stored.recordExecuted(kind, mark), () =>
            Effect.sync(() => {
              const o = overrides.get(kind)
              if (o !== undefined) overrides.set(kind, advance(o, mark))
            })),
        recordSwept: stored.recordSwept,
        readReconciled: stored.readReconciled,
        recordReconciled: stored.recordReconciled
      })
    })
  )

/** The full world: activations never see progress, so they execute and sweep everything. */
const hiddenProgress = Layer.effect(
  ProgressStore,
  Effect.gen(function*() {
    const stored = yield* ProgressStore
    return ProgressStore.of({ ...stored, readAll: Effect.succeed({}) })
  })
)

const publishes = fc.tuple(
  fc.nat(),
  fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 3, maxLength: 3 }),
  fc.nat(),
  fc.boolean(),
  fc.option(fc.integer({ min: 0, max: KINDS.length - 1 }), { freq: 4 })
).map(([d, a, c, n, e]) => publishCmd(d, a, c, n, e))
const activations = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 2 }), fc.boolean()).map(([p, e, r]) => activateCmd(p, e, r))

// Publishing and activating are listed twice: they are what the other commands act upon.
const commands = [
  publishes,
  publishes,
  activations,
  activations,
  fc.tuple(fc.nat(), fc.nat(), fc.boolean()).map(([k, p, a]) => deleteCmd(k, p, a)),
  fc.tuple(fc.nat(), fc.boolean()).map(([p, r]) => sweepCmd(p, r)),
  fc.integer({ min: 1, max: 3 }).map((k) => pruneCmd(k)),
  fc.tuple(fc.nat(), fc.boolean()).map(([k, f]) => injectFailureCmd(k, f)),
  fc.constant(collectBundlesCmd()),
  fc.tuple(fc.nat(), fc.nat(), fc.nat()).map(([p, k, r]) => unmarkedRowCmd(p, k, r)),
  fc.tuple(fc.nat(), fc.constantFrom("ahead" as const, "behind" as const, "otherKind" as const), fc.integer({ min: 0, max: 2 }))
    .map(([k, how, by]) => tamperCmd(k, how, by))
]

const freshModel = (): Model => ({
  kinds: KINDS,
  current: undefined,
  loaded: [],
  nextId: 1,
  deleted: new Map(),
  everCreated: new Map(),
  everMarked: new Map(),
  everRequested: new Map(),
  failing: new Set(),
  newestVersion: 0,
  progress: new Map(),
  corrupt: new Set(),
  diverged: new Set(),
  published: new Map()
})

/**
 * Runs the model-based test against a port target: `numRuns` generated command sequences, each on
 * a fresh store. FM_MODEL_SEED and FM_MODEL_PATH replay a failure that fast-check printed.
 */
export const runModel = async (target: PortTarget, numRuns: number, maxCommands = 30) => {
  ran.clear()
  spent.clear()
  const t0 = performance.now()
  const seed = process.env["FM_MODEL_SEED"]
  const path = process.env["FM_MODEL_PATH"]
  await fc.assert(
    fc.asyncProperty(fc.commands(commands, { maxCommands, size: "max" }), async (cmds) => {
      const overrides = new Map<string, ProgressMark>()
      const runtime: Runtime = ManagedRuntime.make(Layer.provideMerge(tamperableProgress(overrides), Layer.fresh(target.layer)))
      const fullRuntime: Runtime = ManagedRuntime.make(Layer.provideMerge(hiddenProgress, Layer.fresh(target.layer)))
      try {
        const real: Real = {
          run: (effect) => runtime.runPromise(effect),
          full: (effect) => fullRuntime.runPromise(effect),
          tamper: (kind, mark) => void overrides.set(kind, mark)
        }
        // Each world builds (and later drops) a fresh store: for SQL a schema migrated from
        // scratch, most of the test's time, so the two are built and dropped side by side.
        await timed("stores", () => Promise.all([real.run(Effect.void), real.full(Effect.void)]))
        await fc.asyncModelRun(() => ({ model: freshModel(), real }), cmds)
      } finally {
        await timed("stores", () => Promise.all([runtime.dispose(), fullRuntime.dispose()]))
      }
    }),
    { numRuns, ...(seed ? { seed: Number(seed) } : {}), ...(path ? { path } : {}), endOnFailure: process.env["CI"] === "true" }
  )
  const total = [...ran.values()].reduce((a, b) => a + b, 0)
  console.log(`model (${target.name}): ${numRuns} histories, ${total} commands: ${[...ran].map(([k, v]) => `${k} ${v}`).join(", ")}`)
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`
  console.log(`model (${target.name}): ${seconds(performance.now() - t0)}, of which building and dropping stores ${seconds(spent.get("stores") ?? 0)}, Retention ${seconds(spent.get("Retention") ?? 0)}`)
}
