import { Array as Arr, Data, Effect, Option, Stream } from "effect"
import type { StoreError } from "../errors.ts"
import type { ResourceKind } from "../kinds/kind.ts"
import { Kinds } from "../kinds/registry.ts"
import type { Generation } from "../model/generation.ts"
import type { ActivationReport, KindReport, RequestError } from "../model/report.ts"
import type { Request } from "../model/sitrep.ts"
import { generationOf, type HeldSitrep, heldOf, type Sitrep, type SitrepHeader } from "../model/sitrep.ts"
import type { MarkerStore } from "../ports/markerStore.ts"
import { ProgressStore } from "../ports/progressStore.ts"
import { ReportStore } from "../ports/reportStore.ts"
import { type GuardedBatchResult, ResourceStore } from "../ports/resourceStore.ts"
import { SitrepStore } from "../ports/sitrepStore.ts"
import { guardPasses } from "../rules/guard.ts"
import {
  advance,
  type ExecutionPlan,
  executionPlan,
  type KindProgress,
  noProgress,
  reconciliationDue,
  sweepDone
} from "../rules/progress.ts"
import { kindScope, type KindScope, observeBatch, observeCreation, observeKind, observeSweep } from "../observability/observe.ts"
import { now } from "./clock.ts"
import { pages } from "./paging.ts"
import { sweepKind } from "./sweep.ts"

/**
 * How much an activation does (SPEC 3.4, 3.6):
 * - `Routine`, the periodic one: what progress says is done is skipped, creation executes only
 *   the requests that entered after the executed generation (`executionPlan`), and the sweep
 *   pages through the GC candidates unless that generation was swept.
 * - `Reconcile`, every `FM_RECONCILE_EVERY` activations and `fm activate --reconcile`: progress
 *   is not consulted; every request is executed again and the sweep adds the full pass over all
 *   markers. It bounds how long a wrong progress row or a missed candidate can delay anything.
 */
export type ActivationMode = Data.TaggedEnum<{
  Routine: {}
  Reconcile: {}
}>
export const ActivationMode = Data.taggedEnum<ActivationMode>()

export interface ActivationOptions {
  readonly executor: string
  /**
   * The sitrep this executor holds: possibly stale (SPEC 1). The daemon holds a `HeldSitrep`
   * (issue 19: the header and per-kind counts); a whole `Sitrep` is accepted and counted. Either
   * way the requests executed are read from the store (`SitrepStore.heldRequests`), so the held
   * sitrep must be a stored one.
   */
  readonly held: Sitrep | HeldSitrep
  readonly batchSize: number
  readonly pageSize: number
  readonly mode: ActivationMode
  /**
   * Issue 18: a routine activation reconciles each kind that no executor reconciled within this
   * many milliseconds (or ever), judged from the shared record (`ProgressStore.readReconciled`).
   * Unset: only `mode` decides (the tests' direct calls).
   */
  readonly reconcileWithinMillis?: number
}

/** The options with the held sitrep as the activation uses it. */
type Options = ActivationOptions & { readonly held: HeldSitrep }

/** A report lists at most this many per-request errors; `errorCount` has them all. */
export const MAX_LISTED_ERRORS = 20

const describe = (e: StoreError): string => e.message

/**
 * What one step of a kind's activation found (a guarded batch, recording progress, the sweep).
 * The steps' results fold, in order, into the kind's report (`addStep`).
 */
interface StepResult {
  readonly created?: number
  readonly alreadyExisted?: number
  readonly tombstoned?: number
  readonly errors?: ReadonlyArray<RequestError>
  /** A guarded batch was refused: the held sitrep is stale; the current generation it found. */
  readonly refused?: { readonly currentGeneration: Generation | null }
  readonly executedThrough?: Generation
  readonly markersSwept?: number
  readonly sweepPages?: number
  readonly reconciled?: boolean
}

const failed = (requestId: string | null, message: string): StepResult => ({ errors: [{ requestId, message }] })

const addStep = (r: KindReport, s: StepResult): KindReport => {
  const errors = s.errors ?? []
  return {
    ...r,
    created: r.created + (s.created ?? 0),
    alreadyExisted: r.alreadyExisted + (s.alreadyExisted ?? 0),
    tombstoned: r.tombstoned + (s.tombstoned ?? 0),
    errors: errors.length === 0 ? r.errors : [...r.errors, ...errors].slice(0, MAX_LISTED_ERRORS),
    errorCount: r.errorCount + errors.length,
    stale: r.stale || s.refused !== undefined,
    currentGeneration: s.refused === undefined ? r.currentGeneration : s.refused.currentGeneration,
    executedThrough: s.executedThrough ?? r.executedThrough,
    markersSwept: r.markersSwept + (s.markersSwept ?? 0),
    sweepPages: r.sweepPages + (s.sweepPages ?? 0),
    reconciled: r.reconciled || s.reconciled === true
  }
}

/** Everything the activation of one kind decides before it touches a store. */
interface KindPlan {
  readonly progress: KindProgress
  readonly generation: Generation | undefined
  readonly execution: ExecutionPlan
  /**
   * Whether creation runs, and from which entry generation: every request (null), or those that
   * entered after the executed generation; read from the store in pages as they are executed.
   */
  readonly toExecute: { readonly after: Generation | null } | undefined
  readonly sweep: boolean
}

const planKind = (options: Options, kind: ResourceKind, progress: KindProgress, current: Option.Option<SitrepHeader>) => {
  const { held, mode } = options
  const generation = generationOf(held, kind.name)
  const currentGeneration = Option.getOrUndefined(current)?.generations[kind.name]
  const execution: ExecutionPlan = generation === undefined
    ? { _tag: "Done" }
    : mode._tag === "Reconcile"
    ? { _tag: "All" }
    : executionPlan(progress, generation)
  // Staleness is decided once, by the guard rule against the current sitrep, for every kind with
  // or without requests (issue 15); a refused batch (a publish racing with this activation) can
  // only add to it. A stale kind creates nothing and records no execution progress.
  const stale = !guardPasses(generation, currentGeneration)
  const plan: KindPlan = {
    progress,
    generation,
    execution,
    toExecute: stale || execution._tag === "Done"
      ? undefined
      : { after: execution._tag === "After" ? execution.executed : null },
    sweep: generation !== undefined && (mode._tag === "Reconcile" || !sweepDone(progress, generation))
  }
  const report: KindReport = {
    generation: generation ?? null,
    currentGeneration: currentGeneration ?? null,
    requested: held.requested[kind.name] ?? 0,
    created: 0,
    alreadyExisted: 0,
    tombstoned: 0,
    stale,
    errors: [],
    errorCount: 0,
    executedThrough: progress.executedThrough?.generation ?? null,
    markersSwept: 0,
    sweepPages: 0,
    skipped: execution._tag === "Done" && generation !== undefined,
    sweepSkipped: !plan.sweep,
    reconciled: false
  }
  return { plan, report }
}

const batchResult = (result: GuardedBatchResult): StepResult => {
  if (result._tag === "StaleSitrep") return { refused: { currentGeneration: result.currentGeneration } }
  const count = (o: string) => result.outcomes.filter((x) => x.outcome === o).length
  return { created: count("Created"), alreadyExisted: count("AlreadyExists"), tombstoned: count("Tombstoned") }
}

/** Requests read from the store per page: this many guarded batches' worth, and at least `MIN_READ`. */
export const BATCHES_PER_READ = 10
export const MIN_READ = 1000

/**
 * Creation in guarded batches (SPEC 3.1), stopping at the first refused one. The requests come
 * from the store, a page of `BATCHES_PER_READ` batches (at least `MIN_READ` requests) at a time (issue 19: the held sitrep
 * keeps no request bodies), in the store's defined order; a page that cannot be read ends the
 * kind's creation as one error (so its progress does not advance).
 */
const create = (held: HeldSitrep, kind: ResourceKind, generation: Generation, plan: KindPlan, batchSize: number, report: KindReport, scope: KindScope) =>
  Effect.gen(function*() {
    const resources = yield* ResourceStore
    const sitreps = yield* SitrepStore
    const after = plan.toExecute?.after ?? null
    const limit = Math.max(batchSize * BATCHES_PER_READ, MIN_READ)
    return yield* pages<string | null, ReadonlyArray<ReadonlyArray<Request>>, StoreError, never>(null, (cursor) =>
      Effect.map(sitreps.heldRequests(held, kind.name, after, cursor, limit), (page) =>
        [Arr.chunksOf(page.requests, batchSize), Option.fromNullishOr(page.cursor)] as const)).pipe(
        Stream.flatMap((batches) => Stream.fromIterable(batches)),
        Stream.mapEffect((batch) =>
          resources.createGuarded(kind.name, generation, batch).pipe(
            observeBatch(scope, batch.length),
            Effect.match({
              onFailure: (e): StepResult => ({ errors: batch.map((r) => ({ requestId: r.id, message: describe(e) })) }),
              onSuccess: batchResult
            })
          )
        ),
        Stream.orElseSucceed((e): StepResult => failed(null, `reading the requests to execute failed: ${describe(e)}`)),
        // Not an error: creation of this kind stops, and the loader fetches the current sitrep.
        Stream.takeUntil((s) => s.refused !== undefined),
        Stream.runFold(() => report, addStep)
      )
  }).pipe(observeCreation(scope))

/** Execution progress advances only when every executed request was accounted for, never stale. */
const recordExecution = (options: Options, kind: ResourceKind, generation: Generation, plan: KindPlan, report: KindReport) =>
  report.stale || report.errorCount > 0
    ? Effect.succeed(report)
    : Effect.gen(function*() {
      const progress = yield* ProgressStore
      const mark = { generation, at: yield* now, by: options.executor }
      return yield* progress.recordExecuted(kind.name, mark).pipe(
        Effect.match({
          onFailure: (e) => addStep(report, failed(null, `recording execution progress failed: ${describe(e)}`)),
          // Monotonic (SPEC 4): never below what was already recorded.
          onSuccess: () => addStep(report, { executedThrough: advance(plan.progress.executedThrough, mark).generation })
        })
      )
    })

/**
 * The sweep is safe from any held sitrep, stale or not (SPEC 3.3), and runs whatever happened to
 * creation: failures to create never hold up garbage collection.
 */
const sweep = (options: Options, kind: ResourceKind, generation: Generation, report: KindReport, scope: KindScope) =>
  Effect.gen(function*() {
    const progress = yield* ProgressStore
    const reconcile = options.mode._tag === "Reconcile"
    const swept = yield* Effect.result(sweepKind(kind.name, options.held.id, options.pageSize, reconcile).pipe(observeSweep(scope)))
    if (swept._tag === "Failure") return addStep(report, failed(null, `sweep failed: ${describe(swept.failure)}`))
    const { swept: markersSwept, pages: sweepPages, sitrepMissing } = swept.success
    const done = addStep(report, { markersSwept, sweepPages, reconciled: reconcile && !sitrepMissing })
    if (sitrepMissing) {
      return addStep(done, failed(null, `sitrep ${options.held.id} is no longer stored, so no marker could be judged from it; load the current sitrep`))
    }
    const recorded = yield* Effect.result(progress.recordSwept(kind.name, { generation, at: yield* now, by: options.executor }))
    return recorded._tag === "Failure" ? addStep(done, failed(null, `recording sweep progress failed: ${describe(recorded.failure)}`)) : done
  })

/**
 * One kind's activation (SPEC 3.6): plan, then fold each step's result into the kind's report:
 * creation in guarded batches, execution progress, the sweep and its progress.
 */
const activateKind = (
  options: Options,
  kind: ResourceKind,
  progress: KindProgress,
  current: Option.Option<SitrepHeader>,
  scope: KindScope
) =>
  Effect.gen(function*() {
    const { plan, report } = planKind(options, kind, progress, current)
    const generation = plan.generation
    if (generation === undefined) {
      return addStep(report, failed(null, `the held sitrep has no generation for ${kind.plural}; nothing is created or swept`))
    }
    const executed = plan.execution._tag === "Done" || report.stale
      ? report
      : yield* Effect.flatMap(create(options.held, kind, generation, plan, options.batchSize, report, scope), (r) => recordExecution(options, kind, generation, plan, r))
    return plan.sweep ? yield* sweep(options, kind, generation, executed, scope) : executed
  })

/**
 * Issue 18: a kind's reconciliation is recorded, for every executor to see, once its full marker
 * pass completed from a sitrep current for the kind (every request was then executed again;
 * requests that failed are retried by later activations anyway, since progress did not advance).
 */
const recordReconciliation = (options: Options, kind: ResourceKind, report: KindReport, at: Date) =>
  options.mode._tag !== "Reconcile" || !report.reconciled || report.stale
    ? Effect.succeed(report)
    : Effect.flatMap(ProgressStore, (p) => p.recordReconciled(kind.name, { at, by: options.executor })).pipe(
      Effect.match({
        onFailure: (e) => addStep(report, failed(null, `recording the reconciliation failed: ${describe(e)}`)),
        onSuccess: () => report
      })
    )

/**
 * One executor activation (SPEC 3.6): for each registered kind independently, skip what progress
 * says is done, create in guarded batches, advance progress only if every request was accounted
 * for, then sweep. A failure in one kind never stops another. The report is stored for `fm status`.
 */
export const activate = Effect.fn("activate")(function*(given: ActivationOptions) {
  const options: Options = { ...given, held: heldOf(given.held) }
  const kinds = yield* Kinds
  const sitreps = yield* SitrepStore
  const progressStore = yield* ProgressStore
  const reports = yield* ReportStore
  const activatedAt = yield* now
  const current = yield* sitreps.currentHeader
  // Progress is advisory (SPEC 2): if it cannot be read, every kind does its full work.
  const progress = yield* Effect.result(progressStore.readAll)
  const unread: StepResult = progress._tag === "Success"
    ? {}
    : failed(null, `reading progress failed, so nothing was skipped: ${describe(progress.failure)}`)
  // Issue 18: the shared record of reconciliations; unreadable, every kind counts as due.
  const within = options.reconcileWithinMillis
  const reconciled = within === undefined ? undefined : yield* Effect.result(progressStore.readReconciled)
  const byKind: Record<string, KindReport> = {}
  for (const kind of kinds.all) {
    const known = progress._tag === "Success" ? progress.success[kind.name] ?? noProgress : noProgress
    const due = within !== undefined && reconciled !== undefined &&
      (reconciled._tag === "Failure" || reconciliationDue(reconciled.success[kind.name], activatedAt, within))
    const kindOptions: Options = due ? { ...options, mode: ActivationMode.Reconcile() } : options
    // Every store call of a kind's activation ends up in its report: nothing here fails.
    const scope = kindScope(options.executor, options.held, kind.name)
    const kindActivation: Effect.Effect<KindReport, never, ProgressStore | ResourceStore | MarkerStore | SitrepStore> = activateKind(kindOptions, kind, known, current, scope).pipe(
      Effect.map((report) => addStep(report, unread)),
      Effect.flatMap((report) => recordReconciliation(kindOptions, kind, report, activatedAt)),
      observeKind(scope)
    )
    byKind[kind.name] = yield* kindActivation
  }
  const report: ActivationReport = {
    executor: options.executor,
    sitrep: { id: options.held.id, version: options.held.version },
    currentSitrep: Option.match(current, { onNone: () => null, onSome: (c) => ({ id: c.id, version: c.version }) }),
    activatedAt: activatedAt.toISOString(),
    kinds: byKind
  }
  yield* reports.save(report)
  return report
})
