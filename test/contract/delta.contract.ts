import { describe, expect, it } from "@effect/vitest"
import {
  decodeSitrepDocument,
  documentOf,
  documentToJson,
  Kinds,
  type Sitrep,
  SitrepStore,
  sitrepDelta
} from "@fm-rendezvous/domain"
import { Effect, Layer, ManagedRuntime, Option, Result } from "effect"
import fc from "fast-check"
import { type CaseSpec, freshId, sitrepDoc } from "../support/documents.ts"
import { type PortTarget, publishAsAdmin } from "../support/ports.ts"

/** What a publish answered: the version and generations, or the refusal's tag and sentence. */
const outcomeOf = (effect: ReturnType<typeof publishAsAdmin>) =>
  effect.pipe(
    Effect.map((p) => ({ published: p.version, generations: p.generations as unknown })),
    Effect.catch((e) => Effect.succeed({ refused: e._tag, message: e.message }))
  )

/** A stored sitrep as data, without the time it was stored at. */
const stored = Effect.flatMap(SitrepStore, (s) => s.current).pipe(
  Effect.map(Option.map(({ timeCreated: _t, ...rest }: Sitrep) => rest)),
  Effect.map(Option.getOrNull)
)

/** One change a planner makes to the current sitrep; `mistake` is at most one thing the publish must refuse. */
const step = fc.record({
  removeCase: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
  closeCase: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
  keep: fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
  addAlerts: fc.integer({ min: 0, max: 3 }),
  addBundles: fc.integer({ min: 0, max: 2 }),
  addWidgets: fc.integer({ min: 0, max: 1 }),
  newCase: fc.boolean(),
  comment: fc.constantFrom("", "next"),
  mistake: fc.constantFrom("none", "none", "none", "resurrect", "change", "reopen", "duplicate", "generations", "stale")
})

/**
 * SPEC 7.1a: a delta document publishes exactly what the equivalent full document does. Two
 * fresh stores of the same adapter follow the same lineage, one published full documents and the
 * other their deltas against the current sitrep; every step must answer the same (the version and
 * generations, or the same refusal in the same words) and leave the same stored sitrep.
 */
export const deltaContract = (target: PortTarget) =>
  describe("delta documents (SPEC 7.1a)", () => {
    it("a delta publishes exactly what the equivalent full document does", async () => {
      const full = ManagedRuntime.make(Layer.fresh(target.layer))
      const delta = ManagedRuntime.make(Layer.fresh(target.layer))
      try {
        let cases: Array<CaseSpec & { closed: boolean }> = []
        let current: string | null = null
        let previous: string | null = null
        const dropped: Array<string> = []
        await fc.assert(
          fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 3 }), async (steps) => {
            for (const s of steps) {
              let bit = 0
              const keep = () => s.keep[bit++ % s.keep.length]!
              const next = cases.filter((_, i) => !s.removeCase[i % 6]).map((c, i) => ({
                ...c,
                closed: c.closed || s.closeCase[i % 6]!,
                alerts: c.alerts!.filter(keep),
                bundles: c.bundles!.filter(keep),
                widgets: c.widgets!.filter(keep)
              }))
              const fresh = (n: number) => Array.from({ length: n }, freshId)
              if (s.newCase || next.length === 0) next.push({ id: freshId(), closed: false, alerts: [], bundles: [], widgets: [] })
              const target = next[next.length - 1]!
              target.alerts = [...target.alerts!, ...fresh(s.addAlerts)]
              target.bundles = [...target.bundles!, ...fresh(s.addBundles)]
              target.widgets = [...target.widgets!, ...fresh(s.addWidgets)]
              const carried = next.flatMap((c) => c.alerts!)
              if (s.mistake === "resurrect" && dropped.length > 0) target.alerts = [...target.alerts, dropped[0]!]
              if (s.mistake === "duplicate" && carried.length > 0) {
                next.push({ id: freshId(), closed: false, alerts: [carried[0]!], bundles: [], widgets: [] })
              }
              const closed = next.find((c) => c.closed && cases.some((p) => p.id === c.id && p.closed))
              if (s.mistake === "reopen" && closed) closed.closed = false
              const id = freshId()
              const document: any = sitrepDoc({
                id,
                parentId: s.mistake === "stale" && previous !== null ? previous : current,
                comment: s.comment,
                cases: next,
                ...(s.mistake === "generations" ? { generations: { alert: 1 } } : {})
              })
              if (s.mistake === "change") {
                const r = document.cases.flatMap((c: any) => c.alertRequests).find((r: any) => carried.includes(r.id))
                if (r) r.payload = { shelf: 9, slot: 9 }
              }

              // The delta against the sitrep the delta store holds now: its own stored form, as a planner reads it.
              const sent = await delta.runPromise(Effect.gen(function*() {
                const kinds = yield* Kinds
                const store = yield* SitrepStore
                const head = Option.getOrUndefined(yield* store.current)
                // A stale planner's delta is against the sitrep it still holds: the one before the current.
                const parent = head !== undefined && document.parentId !== head.id
                  ? Option.getOrThrow(yield* store.byVersion((head.version - 1) as never))
                  : head
                const child = Result.getOrThrow(decodeSitrepDocument(kinds)(document))
                if (parent === undefined) return document
                return JSON.parse(JSON.stringify(documentToJson(sitrepDelta(kinds, documentOf(kinds, parent), child))))
              }))
              const viaFull = await full.runPromise(outcomeOf(publishAsAdmin(document)))
              const viaDelta = await delta.runPromise(outcomeOf(publishAsAdmin(sent)))
              expect(viaDelta).toEqual(viaFull)
              expect(await delta.runPromise(stored)).toEqual(await full.runPromise(stored))
              if ("published" in viaFull) {
                const ids = new Set(next.flatMap((c) => [...c.alerts!]))
                dropped.push(...cases.flatMap((c) => c.alerts!).filter((a) => !ids.has(a)))
                previous = current
                current = id
                cases = next
              }
            }
          }),
          { numRuns: 15 }
        )
      } finally {
        await full.dispose()
        await delta.dispose()
      }
    })
  })
