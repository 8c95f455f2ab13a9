import { type KindName, type Sitrep, SitrepStore, type SitrepVersion } from "@fm-rendezvous/domain"
import { Effect, Layer, ManagedRuntime, Option } from "effect"
import fc from "fast-check"
import { afterAll, beforeAll, expect, it } from "vitest"
import { type CaseSpec, sitrepDoc, uuid } from "../support/documents.ts"
import { type PortTarget, publishAsAdmin, pruneAsAdmin } from "../support/ports.ts"
import { createTestDatabase } from "../support/postgres.ts"
import { memoryTarget } from "../memory/target.ts"
import { sqlTarget } from "./fixtures.ts"

/**
 * Issue 19: the order of requests within a case is defined (carried requests in the parent's
 * order, then the added ones in the document's: docs/SQL.md) and the same on both adapters. The
 * same generated lineage is published to the memory adapter and to the SQL one, with documents
 * that list carried requests rotated and put the added ones anywhere among them; every retained
 * version, before and after a prune, must read the same on both (cases, each kind's requests in
 * order with case, body and entry generation, generations), and in the defined order.
 */
const KINDS = [["alert", "alerts", 0xa], ["support_bundle", "bundles", 0xb]] as const

interface Step {
  readonly keep: number
  readonly rotate: number
  readonly insertAt: number
  readonly adds: readonly [number, number]
  readonly newCase: boolean
}

const step: fc.Arbitrary<Step> = fc.record({
  keep: fc.nat(),
  rotate: fc.nat(),
  insertAt: fc.nat(),
  adds: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })),
  newCase: fc.boolean()
})

/** The documents of a lineage, and per version the defined order of each case's requests of each kind. */
const lineage = (steps: ReadonlyArray<Step>) => {
  let next = 1
  let parent: Array<{ id: string; kinds: Record<string, Array<string>> }> = []
  const documents: Array<ReturnType<typeof sitrepDoc>> = []
  const defined: Array<Array<[string, Record<string, Array<string>>]>> = []
  for (const [v, s] of steps.entries()) {
    let bit = 0
    const cases = parent.map((c) => ({
      id: c.id,
      kinds: Object.fromEntries(KINDS.map(([kind]) => [kind, (c.kinds[kind] ?? []).filter(() => ((s.keep >> bit++ % 30) & 1) === 0)]))
    }))
    if (s.newCase || cases.length === 0) cases.push({ id: uuid(next++, 0xc), kinds: { alert: [], support_bundle: [] } })
    const target = cases[cases.length - 1]!
    const fresh = Object.fromEntries(KINDS.map(([kind, , prefix], i) => [kind, Array.from({ length: s.adds[i]! }, () => uuid(next++, prefix))]))
    // The document: carried requests rotated, the added ones inserted among them.
    const specs: Array<CaseSpec> = cases.map((c) => {
      const spec: Record<string, unknown> = { id: c.id }
      for (const [kind, field] of KINDS) {
        const carried = c.kinds[kind]!
        const r = carried.length === 0 ? 0 : s.rotate % carried.length
        const listed = [...carried.slice(r), ...carried.slice(0, r)]
        const added = c === target ? fresh[kind]! : []
        const at = s.insertAt % (listed.length + 1)
        spec[field] = [...listed.slice(0, at), ...added, ...listed.slice(at)]
      }
      return spec as unknown as CaseSpec
    })
    documents.push(sitrepDoc({ id: uuid(next++, 0x5), parentId: documents[v - 1]?.id ?? null, cases: specs }))
    parent = cases.map((c) => ({ id: c.id, kinds: Object.fromEntries(KINDS.map(([kind]) => [kind, [...c.kinds[kind]!, ...(c === target ? fresh[kind]! : [])]])) }))
    defined.push(parent.map((c) => [c.id, c.kinds]))
  }
  return { documents, defined }
}

const view = (s: Sitrep) => ({
  version: s.version,
  generations: Object.fromEntries(Object.entries(s.generations).map(([k, g]) => [k, String(g)])),
  cases: s.cases.map((c) => ({
    id: c.id,
    comment: c.comment,
    closed: c.closed,
    firstSitrepId: c.firstSitrepId,
    closedSitrepId: c.closedSitrepId,
    requests: Object.fromEntries(
      Object.entries(c.requests).map(([kind, rs]) => [kind, rs.map((r) => ({ id: r.id, caseId: r.caseId, body: r.body, enteredAt: String(r.enteredAt) }))])
    )
  }))
})

/** Publishes the lineage, reads every retained version, prunes to `keep`, reads them again. */
const readBack = async (target: PortTarget, documents: ReadonlyArray<unknown>, keep: number) => {
  const runtime = ManagedRuntime.make(Layer.fresh(target.layer))
  try {
    return await runtime.runPromise(Effect.gen(function*() {
      const store = yield* SitrepStore
      const retained = () =>
        Effect.gen(function*() {
          const range = Option.getOrThrow(yield* store.historyRange)
          const out: Array<ReturnType<typeof view>> = []
          for (let v = range.oldest as number; v <= (range.newest as number); v++) {
            out.push(view(Option.getOrThrow(yield* store.byVersion(v as SitrepVersion))))
          }
          return out
        })
      for (const d of documents) yield* publishAsAdmin(d)
      const before = yield* retained()
      yield* pruneAsAdmin(keep, 2)
      return { before, after: yield* retained() }
    }) as Effect.Effect<{ before: Array<ReturnType<typeof view>>; after: Array<ReturnType<typeof view>> }, unknown, never>)
  } finally {
    await runtime.dispose()
  }
}

let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined
beforeAll(async () => {
  db = await createTestDatabase()
})
afterAll(async () => {
  await db?.drop()
})

it("memory and SQL read every retained version the same, in the defined order, before and after a prune", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 2, maxLength: 6 }), fc.integer({ min: 1, max: 3 }), async (steps, keep) => {
      const { defined, documents } = lineage(steps)
      const memory = await readBack(memoryTarget, documents, keep)
      const sql = await readBack(sqlTarget(db!.url), documents, keep)
      expect(sql).toEqual(memory)
      // ...and that order is the defined one.
      for (const [i, version] of memory.before.entries()) {
        expect(version.cases.map((c) => [c.id, Object.fromEntries(KINDS.map(([kind]) => [kind, c.requests[kind as KindName]!.map((r) => r.id)]))]))
          .toEqual(defined[i])
      }
    }),
    { numRuns: Number(process.env["FM_PARITY_RUNS"] ?? 10) }
  )
}, 300_000)
