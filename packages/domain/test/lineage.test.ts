import { Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { decodeSitrepDocument } from "../src/model/document.ts"
import type { Sitrep } from "../src/model/sitrep.ts"
import { childGeneration, parentIsCurrent, planChild } from "../src/rules/lineage.ts"
import { doc, g, id, registry } from "./fixtures.ts"

const decode = (d: unknown) => Result.getOrThrow(decodeSitrepDocument(registry)(d))

/** Publishes in memory: the stored form of a document, as the store would keep it. */
const stored = (d: ReturnType<typeof doc>, parent: Sitrep | undefined): Sitrep => {
  const plan = Result.getOrThrow(planChild(registry, decode(d), parent))
  return {
    id: d.id as Sitrep["id"],
    parentId: d.parentId as Sitrep["parentId"],
    version: ((parent?.version ?? 0) + 1) as Sitrep["version"],
    creatorId: d.creatorId,
    publishedBy: null,
    timeCreated: new Date(0),
    comment: d.comment,
    generations: plan.generations,
    cases: plan.cases
  }
}

const failure = (d: ReturnType<typeof doc>, parent?: Sitrep) => {
  const r = planChild(registry, decode(d), parent)
  return Result.isFailure(r) ? r.failure : "planned"
}

describe("planning a child sitrep (SPEC 2, 7.1)", () => {
  it("a kind's generation bumps exactly when its request set changes, and drops are recorded", () => {
    const ids = fc.uniqueArray(fc.integer({ min: 1, max: 12 }), { maxLength: 6 })
    fc.assert(fc.property(ids, ids, ids, ids, (pa, pb, ca, cb) => {
      const parent = stored(doc({ id: 1, parent: null, cases: [{ id: 1, alerts: pa, bundles: pb }] }), undefined)
      const plan = Result.getOrThrow(
        planChild(registry, decode(doc({ id: 2, parent: 1, cases: [{ id: 1, alerts: ca, bundles: cb }] })), parent)
      )
      const same = (a: Array<number>, b: Array<number>) => a.length === b.length && a.every((x) => b.includes(x))
      expect(plan.generations["alert"]).toBe(same(pa, ca) ? 1n : 2n)
      expect(plan.generations["support_bundle"]).toBe(same(pb, cb) ? 1n : 2n)
      const droppedAlerts = plan.dropped.filter((d) => d.kind === "alert").map((d) => d.id).sort()
      expect(droppedAlerts).toEqual(pa.filter((n) => !ca.includes(n)).map((n) => id(n, 0xa)).sort())
      for (const d of plan.dropped) expect(d.droppedAtGeneration).toBe(2n)
      expect(plan.added.filter((a) => a.kind === "alert").map((a) => a.id).sort())
        .toEqual(ca.filter((n) => !pa.includes(n)).map((n) => id(n, 0xa)).sort())
    }))
  })

  it("a kind's generation never goes back (issue 18): above the parent's and above the highest it ever had", () => {
    const gen = fc.option(fc.bigInt({ min: 1n, max: 1000n }), { nil: undefined })
    fc.assert(fc.property(gen, gen, fc.boolean(), (parent, highest, unchanged) => {
      const child = Result.getOrThrow(childGeneration(parent as never, highest as never, unchanged))
      const floor = [parent, highest].reduce<bigint>((m, x) => (x !== undefined && x > m ? x : m), 0n)
      // Never below what the lineage had; unchanged keeps the parent's only when it is the highest.
      expect(child >= floor && child >= 1n).toBe(true)
      if (parent !== undefined && (highest === undefined || highest <= parent)) expect(child).toBe(unchanged ? parent : parent + 1n)
      else expect(child).toBe(highest === undefined ? 1n : highest + 1n)
    }))
    // The history: the parent no longer carries alerts (a release that did not know them published it).
    const parent = stored(doc({ id: 1, parent: null, cases: [{ id: 1, bundles: [1] }] }), undefined)
    const withoutAlerts: Sitrep = { ...parent, generations: { support_bundle: parent.generations["support_bundle"]! } }
    const back = decode(doc({ id: 2, parent: 1, cases: [{ id: 1, alerts: [5], bundles: [1] }] }))
    expect(Result.getOrThrow(planChild(registry, back, withoutAlerts)).generations["alert"]).toBe(1n)
    const plan = Result.getOrThrow(planChild(registry, back, withoutAlerts, { alert: g(7) }))
    expect(plan.generations["alert"]).toBe(8n)
    expect(plan.cases[0]!.requests["alert"]![0]!.enteredAt).toBe(8n)
    expect(plan.generations["support_bundle"]).toBe(1n)
  })

  it("a first sitrep starts every kind at generation 1", () => {
    const plan = Result.getOrThrow(planChild(registry, decode(doc({ id: 1, parent: null, cases: [] })), undefined))
    expect(plan.generations).toEqual({ alert: 1n, support_bundle: 1n })
  })

  it("refuses duplicate ids anywhere in the sitrep", () => {
    expect(failure(doc({ id: 1, parent: null, cases: [{ id: 1, alerts: [1, 1] }] }))).toMatch(/appears more than once/)
    expect(failure(doc({ id: 1, parent: null, cases: [{ id: 1 }, { id: 1 }] }))).toMatch(/appears more than once/)
  })

  it("refuses a stated generation that does not match, naming the kind", () => {
    const parent = stored(doc({ id: 1, parent: null, cases: [{ id: 1, alerts: [1] }] }), undefined)
    const d = doc({ id: 2, parent: 1, cases: [{ id: 1, alerts: [1, 2] }], generations: { alert: 1 } })
    expect(failure(d, parent)).toMatch(/generations\.alert is 1, but alerts must be at generation 2 \(the request set changed\)/)
    expect(failure(doc({ id: 3, parent: null, cases: [], generations: { widget: 1 } }))).toMatch(/widget, which is not a resource kind/)
  })

  it("refuses a changed request under the same id, and a reopened case", () => {
    const parent = stored(doc({ id: 1, parent: null, cases: [{ id: 1, alerts: [1], closed: true }] }), undefined)
    expect(failure(doc({ id: 2, parent: 1, cases: [{ id: 1, alerts: [1], closed: true, cls: "other" }] }), parent))
      .toMatch(/request .* differs from the parent's/)
    expect(failure(doc({ id: 2, parent: 1, cases: [{ id: 1, alerts: [1], closed: false }] }), parent)).toMatch(/cannot reopen/)
  })

  it("keeps the first and closing sitrep of each case", () => {
    const s1 = stored(doc({ id: 1, parent: null, cases: [{ id: 1, alerts: [1] }] }), undefined)
    const s2 = stored(doc({ id: 2, parent: 1, cases: [{ id: 1, alerts: [1], closed: true }, { id: 2 }] }), s1)
    const s3 = stored(doc({ id: 3, parent: 2, cases: [{ id: 1, alerts: [1], closed: true }, { id: 2 }] }), s2)
    expect(s3.cases.map((c) => [c.firstSitrepId, c.closedSitrepId])).toEqual([[s1.id, s2.id], [s2.id, null]])
  })

  it("the compare-and-swap: a parent must be the current sitrep, a first sitrep has none", () => {
    const current = { id: id(1, 5) as Sitrep["id"] }
    expect(parentIsCurrent(null, undefined)).toBe(true)
    expect(parentIsCurrent(null, current)).toBe(false)
    expect(parentIsCurrent(current.id, current)).toBe(true)
    expect(parentIsCurrent(id(2, 5) as Sitrep["id"], current)).toBe(false)
    expect(parentIsCurrent(current.id, undefined)).toBe(false)
  })
})
