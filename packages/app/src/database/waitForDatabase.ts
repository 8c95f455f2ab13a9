import { pgLayer, schemaState, toStoreError } from "@fm-rendezvous/adapters-sql"
import { InvalidInput } from "@fm-rendezvous/domain"
import { Cause, Duration, Effect, Exit, Layer } from "effect"
import { EXIT_USAGE, verdictOf } from "../shared/failure.ts"
import { storesLayer } from "./stores.ts"
import type { DatabaseTarget } from "./target.ts"

/**
 * Start-up of the long-running commands (`fm run`, `fm serve`; SPEC 8.5): a database that cannot
 * be reached, or whose schema is missing, may heal in a moment (a reboot, a failover, a deploy
 * that migrates next), so they wait for it, retrying with backoff, and say so once per change of
 * what they wait for, not once per attempt. Only what waiting cannot heal ends the start (exit 2):
 * an invalid URL (refused before this runs), a bad setting, a schema newer than the program.
 * One-shot commands do not wait (exit 3).
 */
export type Waiting = { readonly _tag: "Waiting"; readonly sentence: string }
export type DatabaseCondition = Waiting | { readonly _tag: "Ready" }

export const MIGRATE_SENTENCE = "The database schema is missing or out of date; run fm db migrate."

const FIRST_DELAY = Duration.millis(200)
const MAX_DELAY = Duration.seconds(5)

/** One look at the database: it answers and its schema is what this program knows, or why not. */
const probe = (url: string) =>
  Effect.scoped(Effect.provide(schemaState(), pgLayer(url, { maxConnections: 1 }))).pipe(
    Effect.mapError((e) => (e._tag === "SqlError" ? toStoreError("connecting to the database", e) : e)),
    Effect.flatMap((state): Effect.Effect<DatabaseCondition, InvalidInput> => {
      switch (state._tag) {
        case "Current":
          return Effect.succeed({ _tag: "Ready" })
        case "Missing":
        case "Behind":
          return Effect.succeed({ _tag: "Waiting", sentence: MIGRATE_SENTENCE })
        case "Ahead":
          return Effect.fail(
            new InvalidInput({
              message:
                `The database schema is newer than this program (${state.component} at version ${state.version}, this program knows ${state.known}): run a release that knows it.`
            })
          )
      }
    })
  )

/**
 * What a failed look or a failed start means: a waiting condition, or a failure to end with (the
 * verdict's exit 2: bad usage or a setting waiting cannot fix).
 */
const judge = <A, E>(exit: Exit.Exit<A, E>): Effect.Effect<DatabaseCondition, E> => {
  if (Exit.isSuccess(exit)) return Effect.succeed(exit.value as DatabaseCondition)
  if (Cause.hasInterruptsOnly(exit.cause)) return Effect.interrupt
  const verdict = verdictOf(exit.cause as never)
  if (verdict.exitCode === EXIT_USAGE) return Effect.failCause(exit.cause)
  const sentence = verdict.sentence.startsWith("The database schema") ? MIGRATE_SENTENCE : verdict.sentence
  return Effect.succeed<DatabaseCondition>({ _tag: "Waiting", sentence })
}

/**
 * The stores on `target`, built once the database answers with a current schema. `onCondition`
 * hears each change of condition (`fm serve` answers /readyz with it). Embedded and memory
 * databases are the process's own: no waiting.
 */
export const storesWhenReady = (
  target: DatabaseTarget,
  onCondition: (c: DatabaseCondition) => Effect.Effect<void> = () => Effect.void
) =>
  Effect.gen(function*() {
    if (target._tag !== "Url") return yield* Layer.build(storesLayer(target))
    let delay = FIRST_DELAY
    let last: string | undefined
    let waited = false
    const tell = (c: DatabaseCondition) =>
      Effect.gen(function*() {
        const key = c._tag === "Ready" ? "ready" : c.sentence
        if (key === last) return
        last = key
        yield* onCondition(c)
        if (c._tag === "Waiting") {
          waited = true
          yield* Effect.logWarning(`waiting for the database (retrying with backoff up to ${Duration.format(MAX_DELAY)}): ${c.sentence}`)
        } else if (waited) {
          yield* Effect.logInfo("the database answers and its schema is current: starting")
        }
      })
    while (true) {
      const looked = yield* judge(yield* Effect.exit(probe(target.url)))
      if (looked._tag === "Ready") {
        // The database may go away between the look and the start: then wait again.
        const built = yield* Effect.exit(Layer.build(storesLayer(target)))
        if (Exit.isSuccess(built)) {
          yield* tell(looked)
          return built.value
        }
        const after = yield* judge(built)
        yield* tell(after)
      } else {
        yield* tell(looked)
      }
      yield* Effect.sleep(delay)
      delay = Duration.min(Duration.times(delay, 2), MAX_DELAY)
    }
  })

