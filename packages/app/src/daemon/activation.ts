import { activate, type ActivationReport, observeActivation, type Sitrep } from "@fm-rendezvous/domain"
import { Effect } from "effect"
import type { ExecutorSettings } from "../config.ts"

/**
 * One activation (SPEC 3.6) as the app runs it: uninterruptible, so a SIGINT/SIGTERM that arrives
 * mid-activation lets it finish and store its report before the process stops (issue 4: graceful
 * shutdown losing nothing). Every port call is atomic anyway; this keeps the report truthful.
 */
export const activateHeld = (
  executor: string,
  held: Sitrep,
  settings: Pick<ExecutorSettings, "batchSize" | "sweepPageSize">,
  reconcile: boolean
): Effect.Effect<ActivationReport, Effect.Error<ReturnType<typeof activate>>, Effect.Services<ReturnType<typeof activate>>> =>
  Effect.uninterruptible(
    activate({ executor, held, batchSize: settings.batchSize, pageSize: settings.sweepPageSize, reconcile }).pipe(
      observeActivation({ executor, sitrepVersion: held.version })
    )
  )

/** The kinds for which the held sitrep was stale: the guard refused to create anything for them. */
export const staleKinds = (report: ActivationReport): ReadonlyArray<string> =>
  Object.entries(report.kinds).filter(([, k]) => k.stale).map(([name]) => name)
