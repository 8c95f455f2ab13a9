import { Effect, Option } from "effect"
import type { StoreError } from "../errors.ts"
import type { ResourceKind } from "../kinds/kind.ts"
import { Kinds } from "../kinds/registry.ts"
import type { Generation } from "../model/generation.ts"
import type { ActivationReport, KindReport, RequestError } from "../model/report.ts"
import { generationOf, requestsOf, type Sitrep, type SitrepHeader } from "../model/sitrep.ts"
import { ProgressStore } from "../ports/progressStore.ts"
import { ReportStore } from "../ports/reportStore.ts"
import { ResourceStore } from "../ports/resourceStore.ts"
import { SitrepStore } from "../ports/sitrepStore.ts"
import { guardPasses } from "../rules/guard.ts"
import { advance, executionDone, type KindProgress, noProgress, sweepDone } from "../rules/progress.ts"
import { kindScope, type KindScope, observeBatch, observeCreation, observeKind, observeSweep } from "../observability/observe.ts"
import { now } from "./clock.ts"
import { sweepKind } from "./sweep.ts"

export interface ActivationOptions {
  readonly executor: string
  /** The sitrep this executor holds: possibly stale (SPEC 1). */
  readonly held: Sitrep
  readonly batchSize: number
  readonly pageSize: number
  /** Also run the full reconciliation pass of SPEC 3.4 (rarely, or on demand). */
  readonly reconcile: boolean
  /** Re-execute and re-sweep even where progress says the work is done (on demand, for operators). */
  readonly force?: boolean
}

/** A report lists at most this many per-request errors; `errorCount` has them all. */
export const MAX_LISTED_ERRORS = 20

const describe = (e: StoreError): string => e.message

interface Tally {
  created: number
  alreadyExisted: number
  tombstoned: number
  stale: boolean
  currentGeneration: Generation | null
  errors: Array<RequestError>
  errorCount: number
}

const noteError = (t: Tally, requestId: string | null, message: string) => {
  t.errorCount += 1
  if (t.errors.length < MAX_LISTED_ERRORS) t.errors.push({ requestId, message })
}

/** Creation for one kind, in guarded batches (SPEC 3.1, 3.6). */
const createKind = (kind: ResourceKind, held: Sitrep, generation: Generation, batchSize: number, tally: Tally, scope: KindScope) =>
  Effect.gen(function*() {
    const resources = yield* ResourceStore
    const requests = requestsOf(held, kind.name)
    for (let start = 0; start < requests.length; start += batchSize) {
      const batch = requests.slice(start, start + batchSize)
      const result = yield* Effect.result(resources.createGuarded(kind.name, generation, batch).pipe(observeBatch(scope, batch.length)))
      if (result._tag === "Failure") {
        for (const r of batch) noteError(tally, r.id, describe(result.failure))
        continue
      }
      const applied = result.success
      if (applied._tag === "StaleSitrep") {
        // Not an error: stop creating this kind and let the loader fetch the current sitrep.
        tally.stale = true
        tally.currentGeneration = applied.currentGeneration
        return
      }
      for (const { outcome } of applied.outcomes) {
        if (outcome === "Created") tally.created += 1
        else if (outcome === "AlreadyExists") tally.alreadyExisted += 1
        else tally.tombstoned += 1
      }
    }
  })

const activateKind = (
  options: ActivationOptions,
  kind: ResourceKind,
  progress: KindProgress,
  current: Option.Option<SitrepHeader>
) =>
  Effect.gen(function*() {
    const progressStore = yield* ProgressStore
    const { held, executor } = options
    const generation = generationOf(held, kind.name)
    const scope = kindScope(executor, held, kind.name)
    const currentGeneration = Option.getOrUndefined(current)?.generations[kind.name]
    const tally: Tally = {
      created: 0,
      alreadyExisted: 0,
      tombstoned: 0,
      stale: !guardPasses(generation, currentGeneration),
      currentGeneration: currentGeneration ?? null,
      errors: [],
      errorCount: 0
    }
    let executedThrough = progress.executedThrough
    const skipped = !options.force && executionDone(progress, generation)
    if (generation === undefined) {
      noteError(tally, null, `the held sitrep has no generation for ${kind.plural}; nothing is created or swept`)
    } else if (!skipped && !tally.stale) {
      // Stale from the start (decided above, from the guard rule against the current sitrep, with
      // or without requests): nothing is created and no progress recorded. A refused batch can
      // still find it stale later, if a publish raced with this activation.
      yield* createKind(kind, held, generation, options.batchSize, tally, scope).pipe(observeCreation(scope))
      if (!tally.stale && tally.errorCount === 0) {
        const mark = { generation, at: yield* now, by: executor }
        const recorded = yield* Effect.result(progressStore.recordExecuted(kind.name, mark))
        if (recorded._tag === "Failure") noteError(tally, null, `recording execution progress failed: ${describe(recorded.failure)}`)
        else executedThrough = advance(executedThrough, mark)
      }
    }

    // The sweep is safe from any held sitrep, stale or not (SPEC 3.3), and runs whatever
    // happened to creation: failures to create never hold up garbage collection.
    let markersSwept = 0
    let sweepPages = 0
    const sweepSkipped = generation === undefined || (sweepDone(progress, generation) && !options.reconcile && !options.force)
    if (!sweepSkipped) {
      const swept = yield* Effect.result(sweepKind(kind.name, held.id, options.pageSize, options.reconcile).pipe(observeSweep(scope)))
      if (swept._tag === "Failure") noteError(tally, null, `sweep failed: ${describe(swept.failure)}`)
      else {
        markersSwept = swept.success.swept
        sweepPages = swept.success.pages
        if (swept.success.sitrepMissing) {
          noteError(tally, null, `sitrep ${held.id} is no longer stored, so no marker could be judged from it; load the current sitrep`)
        } else {
          const recorded = yield* Effect.result(progressStore.recordSwept(kind.name, { generation, at: yield* now, by: executor }))
          if (recorded._tag === "Failure") noteError(tally, null, `recording sweep progress failed: ${describe(recorded.failure)}`)
        }
      }
    }

    const report: KindReport = {
      generation: generation ?? null,
      currentGeneration: tally.currentGeneration,
      requested: requestsOf(held, kind.name).length,
      created: tally.created,
      alreadyExisted: tally.alreadyExisted,
      tombstoned: tally.tombstoned,
      stale: tally.stale,
      errors: tally.errors,
      errorCount: tally.errorCount,
      executedThrough: executedThrough?.generation ?? null,
      markersSwept,
      sweepPages,
      skipped,
      sweepSkipped,
      reconciled: options.reconcile && !sweepSkipped
    }
    return report
  })

const failedKind = (held: Sitrep, kind: ResourceKind, message: string): KindReport => ({
  generation: generationOf(held, kind.name) ?? null,
  currentGeneration: null,
  requested: requestsOf(held, kind.name).length,
  created: 0,
  alreadyExisted: 0,
  tombstoned: 0,
  stale: false,
  errors: [{ requestId: null, message }],
  errorCount: 1,
  executedThrough: null,
  markersSwept: 0,
  sweepPages: 0,
  skipped: false,
  sweepSkipped: false,
  reconciled: false
})

/**
 * One executor activation (SPEC 3.6): for each registered kind independently, skip what progress
 * says is done, create in guarded batches, advance progress only if every request was accounted
 * for, then sweep. A failure in one kind never stops another. The report is stored for `fm status`.
 */
export const activate = Effect.fn("activate")(function*(options: ActivationOptions) {
  const kinds = yield* Kinds
  const sitreps = yield* SitrepStore
  const progressStore = yield* ProgressStore
  const reports = yield* ReportStore
  const activatedAt = yield* now
  const current = yield* sitreps.currentHeader
  // Progress is advisory (SPEC 2): if it cannot be read, every kind does its full work.
  const progress = yield* Effect.result(progressStore.readAll)
  const byKind: Record<string, KindReport> = {}
  for (const kind of kinds.all) {
    const known = progress._tag === "Success" ? progress.success[kind.name] ?? noProgress : noProgress
    byKind[kind.name] = yield* activateKind(options, kind, known, current).pipe(
      Effect.map((report) =>
        progress._tag === "Success"
          ? report
          : { ...report, errorCount: report.errorCount + 1, errors: [...report.errors, { requestId: null, message: `reading progress failed, so nothing was skipped: ${describe(progress.failure)}` }] }
      ),
      Effect.catch((e: StoreError) => Effect.succeed(failedKind(options.held, kind, describe(e)))),
      observeKind(kindScope(options.executor, options.held, kind.name))
    )
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
