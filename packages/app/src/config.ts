import { Config, Duration, Schema, SchemaTransformation } from "effect"
import { expandDurationShorthand } from "./shared/duration.ts"

/**
 * Everything the app reads from the environment goes through effect's Config, so a bad value is
 * refused at start with a sentence naming the variable (issue 4: configuration with defaults that
 * work). Command-line flags take precedence where both exist (see cli/globalFlags.ts).
 */
const wholeNumberAtLeastOne = (name: string, fallback: number) =>
  Config.schema(
    Schema.NumberFromString.check(
      Schema.isInt({ message: "must be a whole number" }),
      Schema.isGreaterThanOrEqualTo(1, { message: "must be at least 1" })
    ),
    name
  ).pipe(Config.withDefault(fallback))

const positiveDuration = (name: string, fallback: Duration.Duration) =>
  Config.schema(
    Schema.String.pipe(
      // The short forms of --expires-in (10s, 1m, 500ms) as well: one syntax everywhere (shared/duration.ts).
      Schema.decodeTo(Schema.DurationFromString, SchemaTransformation.transform({ decode: expandDurationShorthand, encode: (s: string) => s })),
      Schema.check(Schema.makeFilter((d: Duration.Duration) => Duration.isGreaterThan(d, Duration.zero), {
        message: "must be a positive duration such as 10s, 500ms or \"10 seconds\""
      }))
    ),
    name
  ).pipe(Config.withDefault(fallback))

export interface ExecutorSettings {
  /** How often the daemon activates even when no new sitrep appeared (SPEC 3.6). */
  readonly activationPeriod: Duration.Duration
  /** How often the daemon's sitrep loader looks for a newer sitrep. */
  readonly loaderPollInterval: Duration.Duration
  /** Requests per guarded statement (SPEC 3.1). */
  readonly batchSize: number
  /** Markers examined per sweep statement (SPEC 3.4: page sizes are bounded). */
  readonly sweepPageSize: number
  /** Every Nth activation of a process also runs the full reconciliation pass (SPEC 3.4). */
  readonly reconcileEvery: number
  /**
   * Issue 18: any activation (daemon or one-shot) reconciles each kind that no executor reconciled
   * within this long, judged from the shared record; the bound that restarts cannot dodge.
   */
  readonly reconcileInterval: Duration.Duration
  /** Sitrep history versions kept by the pruner (SPEC 3.5). */
  readonly historyToKeep: number
  /** How often the daemon prunes history and finishes destroyed bundles. */
  readonly housekeepingPeriod: Duration.Duration
  /** Issue 25.5: audit entries older than this are pruned by the daemon's housekeeping. */
  readonly auditRetention: Duration.Duration
  /**
   * Issue 25: how long an executor name's lease holds without a renewal (renewed every third of
   * it); the longest a killed process keeps its name from a restarted one.
   */
  readonly leaseTtl: Duration.Duration
}

export const ExecutorSettings: Config.Config<ExecutorSettings> = Config.all({
  activationPeriod: positiveDuration("FM_ACTIVATION_PERIOD", Duration.seconds(10)),
  loaderPollInterval: positiveDuration("FM_LOADER_POLL_INTERVAL", Duration.seconds(1)),
  batchSize: wholeNumberAtLeastOne("FM_BATCH_SIZE", 500),
  sweepPageSize: wholeNumberAtLeastOne("FM_SWEEP_PAGE_SIZE", 1000),
  reconcileEvery: wholeNumberAtLeastOne("FM_RECONCILE_EVERY", 100),
  reconcileInterval: positiveDuration("FM_RECONCILE_INTERVAL", Duration.minutes(15)),
  historyToKeep: wholeNumberAtLeastOne("FM_HISTORY_KEEP", 100),
  housekeepingPeriod: positiveDuration("FM_HOUSEKEEPING_PERIOD", Duration.seconds(30)),
  auditRetention: positiveDuration("FM_AUDIT_RETENTION", Duration.days(90)),
  leaseTtl: positiveDuration("FM_EXECUTOR_LEASE", Duration.seconds(30))
})
