import {
  ActivationMode,
  type ActivationReport,
  Authorization,
  convergence,
  droppedIds,
  gcLiveness,
  gcSafety,
  idempotence,
  type InvariantResult,
  InvariantTally,
  Kinds,
  monotonicity,
  noResurrection,
  noStaleCreationInReport,
  noStaleCreationOfMarkers,
  type Published,
  published as publishedOf,
  publishSitrep,
  type Sitrep,
  SitrepStore,
  type StoreSnapshot,
  type Watermarks
} from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"
import type { ExecutorSettings } from "../config.ts"
import { activateUninterruptibly, modeOfActivation } from "../daemon/activation.ts"
import { collectDestroyed, pruneOldHistory } from "../daemon/housekeeping.ts"
import { makeExecutors, type SimulatedExecutor } from "./executors.ts"
import { observe, requestedBy } from "./observe.ts"
import { type Deletion, operatorDeletes, unauthorizedDeletesChangeNothing } from "./operator.ts"
import { makePlanner } from "./planner.ts"
import { seededRandom } from "./random.ts"
import { plural } from "../render/table.ts"

export interface SimulationOptions {
  readonly steps: number
  readonly seed: number
  readonly executors: number
  /** Stop planning after this many milliseconds even if steps remain (the final checks still run). */
  readonly durationMs: number | null
  readonly settings: ExecutorSettings
}

export interface SimulationEvents {
  readonly activation: (step: number, report: ActivationReport) => Effect.Effect<void>
  readonly note: (step: number, line: string) => Effect.Effect<void>
}

export interface SimulationSummary {
  readonly seed: number
  readonly steps: number
  readonly executors: ReadonlyArray<{ readonly name: string; readonly behaviour: string; readonly activations: number }>
  readonly sitrepsPublished: number
  readonly created: Record<string, number>
  readonly deletedByOperator: Record<string, number>
  readonly neverResurrected: number
  readonly tombstonedSkips: number
  readonly staleActivations: number
  readonly markersSwept: number
  readonly destroyedCollected: number
  readonly sitrepsPruned: number
  readonly invariants: ReadonlyArray<InvariantResult>
  readonly allHold: boolean
  readonly durationMs: number
}

/**
 * `fm simulate`: a seeded planner publishes sitreps as faults come and go, executors of
 * different staleness activate, an operator deletes, housekeeping sweeps and prunes; every SPEC 4
 * invariant is checked against the database along the way and at the end.
 */
export const runSimulation = (options: SimulationOptions, events: SimulationEvents) =>
  Effect.gen(function*() {
    const started = Date.now()
    const kinds = yield* Kinds
    const sitreps = yield* SitrepStore
    const random = seededRandom(options.seed)
    const planner = makePlanner(kinds, random)
    // The simulated planner publishes as an admin of its own (SPEC 7.2: publishing changes state).
    const plannerGrant = yield* (yield* Authorization).requireAdmin({ name: "planner-1", role: "admin" }, "publishing a sitrep")
    const lineage: Array<Published> = []
    const tally = new InvariantTally()
    const executors = yield* makeExecutors(options.executors, options.steps)
    const deleted: Array<Deletion> = []
    const seenMarkers = new Set<string>()
    let marks: Watermarks = { newestVersion: 0, progress: {} }
    const totals = { created: {} as Record<string, number>, tombstoned: 0, stale: 0, swept: 0, collected: 0, pruned: 0 }
    const kindNames = kinds.all.map((k) => k.name)
    const deletedOf = (kind: string) => deleted.filter((d) => d.kind.name === kind).map((d) => d.id)

    /** After every step: no resurrection, GC safety (markers once seen stay while requested), monotonicity. */
    const checkAlways = Effect.gen(function*() {
      const current: Sitrep | undefined = Option.getOrUndefined(yield* sitreps.current)
      const now: StoreSnapshot = yield* observe(deletedOf, (kind) => requestedBy(current, kind))
      tally.record(noResurrection(kinds, now, deleted.map((d) => ({ kind: d.kind.name, id: d.id }))))
      if (current !== undefined) {
        tally.record(gcSafety(kinds, now, current, (kind, id) => seenMarkers.has(`${kind}/${id}`)))
        for (const kind of kindNames) {
          for (const id of requestedBy(current, kind)) if (now.kinds[kind]?.markers.has(id)) seenMarkers.add(`${kind}/${id}`)
        }
      }
      tally.record(monotonicity(marks, now))
      marks = now
    })

    const activate = (step: number, executor: SimulatedExecutor, mode: ActivationMode) =>
      Effect.gen(function*() {
        const held = yield* executor.loader.held
        if (Option.isNone(held)) return
        executor.activations += 1
        const report = yield* activateUninterruptibly(executor.name, held.value, options.settings, mode)
        tally.record(noStaleCreationInReport(report))
        for (const [kind, k] of Object.entries(report.kinds)) {
          totals.created[kind] = (totals.created[kind] ?? 0) + k.created
          totals.tombstoned += k.tombstoned
          totals.swept += k.markersSwept
          if (k.stale) totals.stale += 1
        }
        yield* events.activation(step, report)
      })

    let step = 0
    for (; step < options.steps; step++) {
      if (options.durationMs !== null && Date.now() - started > options.durationMs) break
      const document = planner.step()
      if (document !== null) {
        const published = yield* publishSitrep(plannerGrant, document)
        planner.published(published.id)
        const current = yield* sitreps.current
        if (Option.isSome(current)) lineage.push(publishedOf(current.value, kindNames))
        yield* events.note(step, `planner published sitrep version ${published.version} (${plural(planner.openCases(), "open case")})`)
      }
      for (const executor of executors) {
        if (executor.pausedAt(step)) continue
        if (executor.reloadsAt(step)) yield* executor.loader.refresh
        yield* activate(step, executor, modeOfActivation(executor.activations + 1, options.settings))
      }
      if (step % 3 === 2) {
        const gone = yield* operatorDeletes(random)
        if (Option.isSome(gone)) {
          deleted.push(gone.value)
          yield* events.note(step, `operator alice deleted ${gone.value.kind.singular} ${gone.value.id}`)
        }
      }
      if (step % 7 === 3) yield* unauthorizedDeletesChangeNothing(random, tally)
      if (step % 5 === 4) {
        const removed = yield* collectDestroyed
        totals.collected += Object.values(removed).reduce((a, b) => a + b, 0)
      }
      if (step % 10 === 9) {
        const pruned = yield* pruneOldHistory(options.settings.historyToKeep, options.settings.sweepPageSize)
        totals.pruned += pruned.sitrepsRemoved
        if (pruned.sitrepsRemoved > 0) yield* events.note(step, `history pruned: ${pruned.sitrepsRemoved} old sitreps removed`)
      }
      yield* checkAlways
    }

    // The end: every executor loads the current sitrep and activates with a reconciliation pass.
    yield* events.note(step, "final round: every executor loads the current sitrep and reconciles")
    for (const executor of executors) {
      yield* executor.loader.refresh
      yield* activate(step, executor, ActivationMode.Reconcile())
    }
    totals.collected += Object.values(yield* collectDestroyed).reduce((a, b) => a + b, 0)
    const current = yield* sitreps.current
    if (Option.isSome(current)) {
      const deletedIds = new Set(deleted.map((d) => d.id))
      const dropped = (kind: string) => droppedIds(lineage, kind)
      const requested = (kind: string) => requestedBy(current.value, kind)
      const before = yield* observe(dropped, requested, deletedOf)
      tally.record(convergence(kinds, before, current.value, (_kind, id) => deletedIds.has(id)))
      tally.record(gcLiveness(kinds, before, current.value, dropped))
      tally.record(noStaleCreationOfMarkers(kinds, before, lineage, requested))
      // Idempotence: the same activation again creates nothing and changes no row or marker.
      const first = executors[0]!
      const again = yield* activateUninterruptibly(first.name, current.value, options.settings, ActivationMode.Routine())
      const createdAgain = Object.values(again.kinds).reduce((a, k) => a + k.created, 0)
      const after = yield* observe(dropped, requested, deletedOf)
      tally.record(idempotence(before, after, createdAgain))
    }
    yield* checkAlways

    const deletedByOperator: Record<string, number> = {}
    for (const d of deleted) deletedByOperator[d.kind.name] = (deletedByOperator[d.kind.name] ?? 0) + 1
    const invariants = tally.results()
    const summary: SimulationSummary = {
      seed: options.seed,
      steps: step,
      executors: executors.map((e) => ({ name: e.name, behaviour: e.describe, activations: e.activations })),
      sitrepsPublished: lineage.length,
      created: totals.created,
      deletedByOperator,
      neverResurrected: invariants.find((i) => i.name === "No resurrection")?.holds ? deleted.length : 0,
      tombstonedSkips: totals.tombstoned,
      staleActivations: totals.stale,
      markersSwept: totals.swept,
      destroyedCollected: totals.collected,
      sitrepsPruned: totals.pruned,
      invariants,
      allHold: invariants.every((i) => i.holds),
      durationMs: Date.now() - started
    }
    return summary
  })
