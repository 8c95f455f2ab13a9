import { Context, Effect, Layer, Ref } from "effect"
import { toJsonText } from "../shared/jsonText.ts"

/**
 * Where a command's result goes (SPEC 7.2): with --json exactly one JSON document on stdout,
 * otherwise aligned plain text; progress of long operations on stderr, shown in human mode or
 * when stdout is a terminal, so a script reading --json output never sees it mixed in.
 */
export class Output extends Context.Service<Output, {
  readonly json: boolean
  /** Prints the command's result: `document` with --json, else `human()`. At most once. */
  readonly emit: (document: unknown, human: () => string) => Effect.Effect<void>
  /** A progress line on stderr (when progress is shown). */
  readonly progress: (line: string) => Effect.Effect<void>
  readonly showsProgress: boolean
  /** Whether a result was printed already (a refusal after a result prints no second document). */
  readonly emitted: Effect.Effect<boolean>
}>()("fm/app/Output") {}

export const writeStdout = (text: string) => Effect.sync(() => void process.stdout.write(text.endsWith("\n") ? text : `${text}\n`))
export const writeStderr = (text: string) => Effect.sync(() => void process.stderr.write(text.endsWith("\n") ? text : `${text}\n`))

export const outputLayer = (json: boolean) =>
  Layer.effect(
    Output,
    Effect.gen(function*() {
      const emitted = yield* Ref.make(false)
      const showsProgress = !json || process.stdout.isTTY === true
      return Output.of({
        json,
        showsProgress,
        emit: (document, human) =>
          Effect.flatMap(Ref.getAndSet(emitted, true), (already) =>
            already ? Effect.void : writeStdout(json ? toJsonText(document) : human())),
        progress: (line) => (showsProgress ? writeStderr(line) : Effect.void),
        emitted: Ref.get(emitted)
      })
    })
  )
