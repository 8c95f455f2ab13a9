import { publishAsAdmin } from "../support/ports.ts"
import { assert, describe, it } from "@effect/vitest"
import { SitrepStore } from "@fm-rendezvous/domain"
import { Effect, Layer, Option } from "effect"
import type { PortTarget } from "../support/ports.ts"
import { BASE, corpus, sqlLookingButValid } from "./sitreps.ts"

/** SPEC 7.2 exit codes of the refusals publishing can give. */
const exitCodeOf: Record<string, number> = { InvalidInput: 2, ParentNotCurrent: 1 }

const state = Effect.gen(function*() {
  const store = yield* SitrepStore
  const current = yield* store.current
  return { range: yield* store.historyRange, current: Option.map(current, (s) => s.id) }
})

/** The corpus through the publish use case: same refusal, same sentence, nothing written. */
export const corpusOnUseCase = (target: PortTarget) =>
  describe(`hostile sitrep corpus: ${target.name}`, () => {
    for (const c of corpus) {
      if (c.document === undefined) continue // bytes that never parse: see the CLI corpus
      it.effect(c.name, () =>
        Effect.gen(function*() {
          if (c.setup === "parent") yield* publishAsAdmin(BASE)
          const before = yield* state
          const error = yield* Effect.flip(publishAsAdmin(c.document))
          assert.strictEqual(exitCodeOf[error._tag], c.exit, `${error._tag}: ${error.message}`)
          assert.match(error.message, c.message)
          assert.notInclude(error.message, "\n", "one sentence, one line")
          assert.match(error.message, /\.$/)
          assert.deepStrictEqual(yield* state, before)
        }).pipe(Effect.provide(Layer.fresh(target.layer))))
    }

    it.effect("strings that look like SQL are stored verbatim", () =>
      Effect.gen(function*() {
        yield* publishAsAdmin(sqlLookingButValid)
        const stored = Option.getOrThrow(yield* Effect.flatMap(SitrepStore, (s) => s.current))
        assert.strictEqual(stored.comment, sqlLookingButValid.comment)
        assert.strictEqual(stored.cases[0]!.comment, "Robert'); DROP TABLE students;--")
        assert.deepStrictEqual(stored.cases[0]!.requests["alert"]![0]!.body["payload"], { q: "SELECT * FROM pg_user" })
      }).pipe(Effect.provide(Layer.fresh(target.layer))))
  })
