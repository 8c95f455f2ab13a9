import {
  ActivationMode,
  type ActivationReport,
  Authorization,
  Kinds,
  publishSitrep,
  SitrepStore
} from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"
import type { ExecutorSettings } from "../config.ts"
import { activateUninterruptibly, modeOfActivation } from "../daemon/activation.ts"
import { collectDestroyed, pruneOldHistory } from "../daemon/housekeeping.ts"
import {
  checkConvergence,
  checkDeletedStayDeleted,
  checkMarkersAgainstLineage,
  checkMarkersOfCurrentRequests,
  checkMonotonic,
  checkReport,
  snapshotResources,
  type Watermarks
} from "./checks.ts"
import { makeExecutors, type SimulatedExecutor } from "./executors.ts"
import { InvariantLedger, type InvariantResult } from "./invariants.ts"
import { LineageRecord } from "./lineage.ts"
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
    const lineage = new LineageRecord()
    const ledger = new InvariantLedger()
    const executors = yield* makeExecutors(options.executors, options.steps)
    const deleted: Array<Deletion> = []
    const seenMarkers = new Set<string>()
    const marks: Watermarks = { historyNewest: 0, progress: new Map() }
    const totals = { created: {} as Record<string, number>, tombstoned: 0, stale: 0, swept: 0, collected: 0, pruned: 0 }
    const kindNames = kinds.all.map((k) => k.name)

    const activate = (step: number, executor: SimulatedExecutor, mode: ActivationMode) =>
      Effect.gen(function*() {
        const held = yield* executor.loader.held
        if (Option.isNone(held)) return
        executor.activations += 1
        const report = yield* activateUninterruptibly(executor.name, held.value, options.settings, mode)
        checkReport(ledger, report)
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
        if (Option.isSome(current)) lineage.record(kindNames, current.value)
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
      if (step % 7 === 3) yield* unauthorizedDeletesChangeNothing(random, ledger)
      if (step % 5 === 4) {
        const removed = yield* collectDestroyed
        totals.collected += Object.values(removed).reduce((a, b) => a + b, 0)
      }
      if (step % 10 === 9) {
        const pruned = yield* pruneOldHistory(options.settings.historyToKeep, options.settings.sweepPageSize)
        totals.pruned += pruned.sitrepsRemoved
        if (pruned.sitrepsRemoved > 0) yield* events.note(step, `history pruned: ${pruned.sitrepsRemoved} old sitreps removed`)
      }
      yield* checkDeletedStayDeleted(ledger, deleted)
      yield* checkMarkersOfCurrentRequests(ledger, seenMarkers)
      yield* checkMonotonic(ledger, marks)
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
      yield* checkConvergence(ledger, current.value, deletedIds)
      yield* checkMarkersAgainstLineage(ledger, lineage, current.value)
      // Idempotence: the same activation again creates nothing and changes no row.
      const before = yield* snapshotResources
      const first = executors[0]!
      const again = yield* activateUninterruptibly(first.name, current.value, options.settings, ActivationMode.Routine())
      const createdAgain = Object.values(again.kinds).reduce((a, k) => a + k.created, 0)
      const after = yield* snapshotResources
      ledger.check("Idempotence", createdAgain === 0 && before === after ? null : `re-running the activation created ${createdAgain} and changed rows`)
    }
    yield* checkDeletedStayDeleted(ledger, deleted)
    yield* checkMarkersOfCurrentRequests(ledger, seenMarkers)
    yield* checkMonotonic(ledger, marks)

    const deletedByOperator: Record<string, number> = {}
    for (const d of deleted) deletedByOperator[d.kind.name] = (deletedByOperator[d.kind.name] ?? 0) + 1
    const invariants = ledger.results()
    const summary: SimulationSummary = {
      seed: options.seed,
      steps: step,
      executors: executors.map((e) => ({ name: e.name, behaviour: e.describe, activations: e.activations })),
      sitrepsPublished: lineage.published,
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
