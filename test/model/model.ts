import { publishAsAdmin, pruneAsAdmin } from "../support/ports.ts"
import {
  activate,
  deleteResource,
  type KindName,
  Kinds,
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
import { CreationFaults } from "../support/faults.ts"
import { testKinds } from "../support/kinds.ts"
import type { Ports, PortTarget } from "../support/ports.ts"
import { checkAlways, checkLiveness, invariant, key, type ModelView, sameState, snapshot } from "./invariants.ts"

type Runtime = ManagedRuntime.ManagedRuntime<Ports | CreationFaults, unknown>

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
  everRequested: Map<string, Set<string>>
  failing: Set<string>
  newestVersion: number
  progress: Map<string, { executed: bigint; swept: bigint }>
}

interface Real {
  readonly run: <A>(effect: Effect.Effect<A, unknown, Ports | CreationFaults>) => Promise<A>
}

/** How many times each command ran, for the summary line a run prints. */
const ran = new Map<string, number>()

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

const observe = (m: Model, real: Real) =>
  real.run(snapshot(m.kinds, m.everRequested)).then((now) => {
    for (const k of now.rows.keys()) {
      const [kind, id] = k.split("/") as [string, string]
      setOf(m.everCreated, kind).add(id)
    }
    return now
  })

const afterEach = async (m: Model, real: Real) => {
  const now = await observe(m, real)
  m.newestVersion = await real.run(checkAlways(m, now))
  return now
}

/** The planner: carry open cases forward, drop some requests, close cases, open new ones. */
const publishCmd = (drops: number, adds: ReadonlyArray<number>, close: number, newCase: boolean, empty: number | null): Command =>
  command(`Publish(drops=${drops}, adds=${adds}, close=${close}, newCase=${newCase}, empty=${empty})`, () => true, async (m, real) => {
  const cases: Array<CaseSpec> = []
  const parent = m.current
  let bit = 0
  for (const c of parent?.cases ?? []) {
    if (c.closed) continue // a closed case is dropped once carried closed (its requests go with it)
    const spec: Record<string, unknown> = { id: c.id, closed: close % 7 === cases.length }
    KINDS.forEach((kind, i) => {
      // `empty` drops every request of one kind: its request set becomes empty (issue 15).
      spec[FIELD[kind]!] = (c.requests[kind] ?? []).map((r) => r.id).filter(() => ((drops >> bit++ % 30) & 1) === 0 && empty !== i)
    })
    cases.push(spec as unknown as CaseSpec)
  }
  if (newCase || cases.length === 0) cases.push({ id: uuid(m.nextId++, 0xc) })
  const target = cases[cases.length - 1] as unknown as Record<string, unknown>
  KINDS.forEach((kind, i) => {
    const fresh = Array.from({ length: empty === i ? 0 : adds[i] ?? 0 }, () => uuid(m.nextId++, PREFIX[kind]))
    for (const id of fresh) setOf(m.everRequested, kind).add(id)
    if (target["closed"] !== true) target[FIELD[kind]!] = [...((target[FIELD[kind]!] as Array<string>) ?? []), ...fresh]
  })
  const id = uuid(m.nextId++, 0x5)
  const published = await real.run(publishAsAdmin(sitrepDoc({ id, parentId: parent?.id ?? null, cases })))
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
  m.current = stored
  m.loaded.push(stored)
  await afterEach(m, real)
  })

/** An executor activation holding any published sitrep, stale ones included. */
const activateCmd = (pick: number, executor: number, reconcile: boolean): Command =>
  command(`Activate(pick=${pick}, executor=${executor}, reconcile=${reconcile})`, (m: Readonly<Model>) => m.loaded.length > 0, async (m, real) => {
  const held = m.loaded[pick % m.loaded.length]!
  const current = m.current!
  const before = await observe(m, real)
  const progressBefore = new Map(m.progress)
  const options = { executor: `executor-${executor}`, held, batchSize: 2, pageSize: 3, reconcile: reconcile }
  const report = await real.run(activate(options))
  const after = await afterEach(m, real)
  for (const kind of m.kinds) {
    const requested = new Set<string>(requestsOf(held, kind as KindName).map((r) => r.id))
    const guardPassed = held.generations[kind] === current.generations[kind]
    // SPEC 7.2 and issue 15: staleness is the guard's verdict, with or without requests, and a
    // stale executor records no execution progress.
    invariant("No stale creation", report.kinds[kind]!.stale === !guardPassed, () =>
      `${kind}: the report says stale=${report.kinds[kind]!.stale} holding generation ${held.generations[kind]} (${requested.size} requests) while the current one is ${current.generations[kind]}`)
    if (!guardPassed) {
      invariant("No stale creation", m.progress.get(kind)?.executed === progressBefore.get(kind)?.executed, () =>
        `${kind}: a stale activation (generation ${held.generations[kind]}, current ${current.generations[kind]}) moved execution progress from ${progressBefore.get(kind)?.executed} to ${m.progress.get(kind)?.executed}`)
    }
    for (const k of after.rows.keys()) {
      if (before.rows.has(k) || !k.startsWith(`${kind}/`)) continue
      const id = k.slice(kind.length + 1)
      invariant("No stale creation", guardPassed && requested.has(id), () =>
        `${kind} ${id} was created from version ${held.version} (generation ${held.generations[kind]}) while the current generation is ${current.generations[kind]}`)
    }
    if (held.id === current.id && !m.failing.has(kind)) {
      for (const id of requested) {
        if (m.deleted.get(kind)?.has(id)) continue
        invariant("Convergence", after.rows.has(key(kind, id)), () =>
          `${kind} ${id} is requested by the current sitrep, never deleted, yet missing after an activation holding it (report: ${JSON.stringify(report.kinds[kind], (_k, v) => typeof v === "bigint" ? String(v) : v)})`)
      }
    }
  }
  if (held.id === current.id) checkLiveness(m, after)
  // Forced, so the re-run really re-executes instead of being skipped by progress.
  await real.run(activate({ ...options, force: true }))
  const again = await afterEach(m, real)
  invariant("Idempotence", sameState(after, again), () => `re-running the activation of version ${held.version} changed resources or markers`)
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
  if (!asAdmin) {
    const after = await observe(m, real)
    invariant("Authorization", outcome._tag === "Failure" && outcome.failure._tag === "NotAuthorized" && sameState(before, after), () =>
      `a viewer's delete of ${kindName} ${id} was not refused, or changed something`)
  } else if (outcome._tag === "Success") {
    setOf(m.deleted, kindName).add(id)
  }
  await afterEach(m, real)
  })

/** A sweep of every kind judged from any published sitrep (possibly pruned since). */
const sweepCmd = (pick: number, reconcile: boolean): Command =>
  command(`Sweep(pick=${pick}, reconcile=${reconcile})`, (m: Readonly<Model>) => m.loaded.length > 0, async (m, real) => {
  const held = m.loaded[pick % m.loaded.length]!
  for (const kind of m.kinds) await real.run(sweepKind(kind as KindName, held.id, 2, reconcile))
  const after = await afterEach(m, real)
  if (held.id === m.current?.id) checkLiveness(m, after)
  })

const pruneCmd = (keep: number): Command =>
  command(`Prune(keep=${keep})`, (m: Readonly<Model>) => m.current !== undefined, async (m, real) => {
  await real.run(pruneAsAdmin(keep, 2))
  const current = await real.run(Effect.flatMap(SitrepStore, (s) => s.current))
  invariant("Monotonicity", Option.isSome(current) && current.value.id === m.current!.id, () => "pruning removed the current sitrep")
  await afterEach(m, real)
  })

const injectFailureCmd = (kindPick: number, failing: boolean): Command =>
  command(`InjectFailure(kind=${kindPick}, failing=${failing})`, () => true, async (m, real) => {
  const kind = m.kinds[kindPick % m.kinds.length]!
  await real.run(Effect.flatMap(CreationFaults, (f) => f.setFailing(kind, failing)))
  if (failing) m.failing.add(kind)
  else m.failing.delete(kind)
  await afterEach(m, real)
  })

const collectBundlesCmd = (): Command =>
  command("CollectBundles", () => true, async (m, real) => {
  await real.run(Effect.flatMap(ResourceStore, (r) => r.finishDestroying("support_bundle" as KindName, 3)))
  await afterEach(m, real)
  })

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
  fc.constant(collectBundlesCmd())
]

const freshModel = (): Model => ({
  kinds: KINDS,
  current: undefined,
  loaded: [],
  nextId: 1,
  deleted: new Map(),
  everCreated: new Map(),
  everRequested: new Map(),
  failing: new Set(),
  newestVersion: 0,
  progress: new Map()
})

/**
 * Runs the model-based test against a port target: `numRuns` generated command sequences, each on
 * a fresh store. FM_MODEL_SEED and FM_MODEL_PATH replay a failure that fast-check printed.
 */
export const runModel = async (target: PortTarget, numRuns: number, maxCommands = 30) => {
  ran.clear()
  const seed = process.env["FM_MODEL_SEED"]
  const path = process.env["FM_MODEL_PATH"]
  await fc.assert(
    fc.asyncProperty(fc.commands(commands, { maxCommands, size: "max" }), async (cmds) => {
      const runtime: Runtime = ManagedRuntime.make(Layer.fresh(target.layer))
      try {
        const real: Real = { run: (effect) => runtime.runPromise(effect) }
        await fc.asyncModelRun(() => ({ model: freshModel(), real }), cmds)
      } finally {
        await runtime.dispose()
      }
    }),
    { numRuns, ...(seed ? { seed: Number(seed) } : {}), ...(path ? { path } : {}), endOnFailure: process.env["CI"] === "true" }
  )
  const total = [...ran.values()].reduce((a, b) => a + b, 0)
  console.log(`model (${target.name}): ${numRuns} histories, ${total} commands: ${[...ran].map(([k, v]) => `${k} ${v}`).join(", ")}`)
}
