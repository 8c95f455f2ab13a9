import { Duration, Effect, Random, Schedule } from "effect"
import { SqlError } from "effect/sql"
import { decodeSentinel, type Sentinel } from "./sentinel.ts"
import { describeSqlError, RetriesExhausted } from "./wording.ts"

/** How many times a statement or transaction is re-run after a serialization failure or deadlock. */
export const RETRY_TIMES = 8

/** The attempts a step gets in all: the first run and RETRY_TIMES re-runs. */
export const RETRY_ATTEMPTS = RETRY_TIMES + 1

/** The first re-run's delay ceiling, doubled for each one after it... */
export const RETRY_BASE_MILLIS = 5
/** ...up to this cap. */
export const RETRY_CAP_MILLIS = 250

/**
 * The delay before a re-run whose exponential ceiling (5 ms doubling) is `ceilingMillis`, for a
 * uniform `u` in [0, 1): "equal jitter", between half the capped ceiling and all of it, so racing
 * transactions that failed together do not retry in lock step, and none waits more than the cap.
 */
export const retryDelayMillis = (ceilingMillis: number, u: number): number => {
  const d = Math.min(RETRY_CAP_MILLIS, ceilingMillis)
  return d / 2 + (u * d) / 2
}

/** The retry schedule: exponential from RETRY_BASE_MILLIS, capped, jittered (the Random service's numbers). */
export const retrySchedule = Schedule.exponential(Duration.millis(RETRY_BASE_MILLIS), 2).pipe(
  Schedule.modifyDelay(({ output }) => Effect.map(Random.next, (u) => Duration.millis(retryDelayMillis(Duration.toMillis(output), u))))
)

/**
 * Retryable: SQLSTATE 40001 (a serialization failure, the normal way a SERIALIZABLE transaction
 * loses a race; CockroachDB reports every transaction retry error and its deadlocks, and the
 * write-too-old conflicts it raises instead of some unique violations, with 40001 too), 40P01
 * (PostgreSQL's deadlock victim), and the sentinels the caller names.
 */
const retryable = (e: unknown, sentinels: ReadonlyArray<Sentinel>): e is SqlError.SqlError =>
  SqlError.isSqlError(e) &&
  (e.reason._tag === "SerializationError" || e.reason._tag === "DeadlockError" ||
    sentinels.some((s) => s === decodeSentinel(e)))

/**
 * Re-runs an atomic step that failed retryably, with bounded, capped, jittered exponential backoff
 * (`retrySchedule`: re-run i waits between half and all of min(250 ms, 5 ms * 2^i); RETRY_TIMES
 * re-runs: at most 815 ms of waiting in all, at least half that). Safe because the step is one statement or one
 * transaction: its failure wrote nothing. When the bound is hit the step fails with
 * `RetriesExhausted` (its message then says it gave up) and a warning is logged: an operator sees
 * it in the daemon's log and in the activation report.
 */
export const withRetry = <A, E, R>(
  step: Effect.Effect<A, E, R>,
  sentinels: ReadonlyArray<Sentinel> = []
): Effect.Effect<A, E | RetriesExhausted, R> =>
  Effect.retry(step, {
    while: (e) => retryable(e, sentinels),
    schedule: retrySchedule,
    times: RETRY_TIMES
  }).pipe(
    Effect.catchIf(
      (e): e is E & SqlError.SqlError => retryable(e, sentinels),
      (last) =>
        Effect.andThen(
          Effect.logWarning(`database step gave up after ${RETRY_ATTEMPTS} attempts: ${describeSqlError(last)}`),
          Effect.fail(new RetriesExhausted({ attempts: RETRY_ATTEMPTS, last }))
        )
    )
  )
