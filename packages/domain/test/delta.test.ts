import { Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { decodeSitrepDelta } from "../src/model/delta.ts"
import { decodeSitrepDocument, type SitrepDocument } from "../src/model/document.ts"
import { applySitrepDelta, documentToJson, sitrepDelta } from "../src/rules/delta.ts"
import { planChild } from "../src/rules/lineage.ts"
import { doc, id, registry } from "./fixtures.ts"

const decode = (d: unknown) => Result.getOrThrow(decodeSitrepDocument(registry)(d))
const decodeDelta = (d: unknown) => decodeSitrepDelta(registry)(d)
const apply = (parent: SitrepDocument, delta: unknown) => {
  const decoded = decodeDelta(delta)
  if (Result.isFailure(decoded)) return decoded.failure
  const applied = applySitrepDelta(registry, parent, decoded.success)
  return Result.isFailure(applied) ? applied.failure : applied.success
}

type CaseSpec = { id: number; closed?: boolean; alerts?: Array<number>; bundles?: Array<number>; cls?: string }

/**
 * A parent and a child that keeps its order: cases kept in order (some closed, some changed in
 * place by request content), some removed, new ones after them; within a case, carried requests in
 * order, some dropped, new ones after them. Ids are drawn from small ranges so they collide.
 */
const pair = fc
  .record({
    cases: fc.uniqueArray(fc.integer({ min: 1, max: 6 }), { maxLength: 4 }),
    alerts: fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { maxLength: 10 }),
    bundles: fc.uniqueArray(fc.integer({ min: 41, max: 60 }), { maxLength: 6 }),
    keep: fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
    close: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    newCases: fc.uniqueArray(fc.integer({ min: 7, max: 9 }), { maxLength: 2 }),
    newAlerts: fc.uniqueArray(fc.integer({ min: 61, max: 80 }), { maxLength: 5 })
  })
  .map((p) => {
    const parentCases: Array<CaseSpec> = p.cases.map((c, i) => ({
      id: c,
      alerts: p.alerts.filter((_, j) => j % Math.max(1, p.cases.length) === i),
      bundles: p.bundles.filter((_, j) => j % Math.max(1, p.cases.length) === i)
    }))
    let bit = 0
    const keep = () => p.keep[bit++ % p.keep.length]!
    const childCases: Array<CaseSpec> = parentCases.filter((_, i) => i === 0 || keep()).map((c, i) => ({
      id: c.id,
      closed: p.close[i]!,
      alerts: [...c.alerts!.filter(keep), ...p.newAlerts.filter((_, j) => j % Math.max(1, p.cases.length + p.newCases.length) === i)],
      bundles: c.bundles!.filter(keep)
    }))
    for (const [i, c] of p.newCases.entries()) {
      childCases.push({ id: c, alerts: p.newAlerts.filter((_, j) => j % Math.max(1, p.cases.length + p.newCases.length) === p.cases.length + i) })
    }
    const parent = decode(doc({ id: 1, parent: null, cases: parentCases }))
    const child = decode(doc({ id: 2, parent: 1, cases: childCases }))
    return { parent, child }
  })

describe("the delta document (SPEC 7.1a)", () => {
  it("applying the delta of two documents gives the child back, exactly", () => {
    fc.assert(fc.property(pair, ({ parent, child }) => {
      const delta = sitrepDelta(registry, parent, child)
      // The delta goes over the wire as JSON: decode what a planner would send.
      const sent = JSON.parse(JSON.stringify(documentToJson(delta)))
      expect(apply(parent, sent)).toEqual(child)
    }))
  })

  it("a delta plans what its document plans, whatever the child's order", () => {
    fc.assert(fc.property(pair, fc.nat(), ({ parent, child }, seed) => {
      // Any order of cases and requests: the delta gives the same sitrep in the canonical order.
      const shuffled = { ...child, cases: [...child.cases].sort((a, b) => ((a.id.charCodeAt(35) * (seed | 1)) % 7) - ((b.id.charCodeAt(35) * (seed | 1)) % 7)) }
      const applied = apply(parent, JSON.parse(JSON.stringify(documentToJson(sitrepDelta(registry, parent, shuffled)))))
      const parentPlan = Result.getOrThrow(planChild(registry, parent, undefined))
      const stored = { ...parent, version: 1, timeCreated: new Date(0), ...parentPlan } as never
      const viaDelta = planChild(registry, applied as SitrepDocument, stored)
      const viaDocument = planChild(registry, shuffled, stored)
      expect(Result.isSuccess(viaDelta)).toBe(Result.isSuccess(viaDocument))
      if (Result.isSuccess(viaDelta) && Result.isSuccess(viaDocument)) {
        expect(viaDelta.success.generations).toEqual(viaDocument.success.generations)
        const ids = (plan: typeof viaDelta.success) => ({
          dropped: plan.dropped.map((d) => d.id).sort(),
          added: plan.added.map((a) => a.id).sort(),
          cases: plan.cases.map((c) => JSON.stringify([c.id, c.closed, Object.values(c.requests).flat().map((r) => r.id).sort()])).sort()
        })
        expect(ids(viaDelta.success)).toEqual(ids(viaDocument.success))
      }
    }))
  })

  it("a changed request is dropped and added again, so it meets the document's own refusal", () => {
    const parent = decode(doc({ id: 1, parent: null, cases: [{ id: 1, alerts: [1, 2] }] }))
    const child = decode(doc({ id: 2, parent: 1, cases: [{ id: 1, alerts: [1, 2], cls: "other.class" }] }))
    const delta = sitrepDelta(registry, parent, child)
    expect(delta.changes.dropped).toEqual({ alertRequests: [id(1), id(2)] })
    const parentPlan = Result.getOrThrow(planChild(registry, parent, undefined))
    const stored = { ...parent, version: 1, timeCreated: new Date(0), ...parentPlan } as never
    const applied = apply(parent, documentToJson(delta)) as SitrepDocument
    const refusal = (d: SitrepDocument) => Result.match(planChild(registry, d, stored), { onFailure: (f) => f, onSuccess: () => "planned" })
    expect(refusal(applied)).toBe(refusal(child))
    expect(refusal(applied)).toMatch(/alert request .* differs from the parent's/)
  })

  it("refuses, in one sentence, a delta naming what the parent does not have", () => {
    const parent = decode(doc({ id: 1, parent: null, cases: [{ id: 1, alerts: [1] }] }))
    const header = { id: id(2, 0x5), parentId: id(1, 0x5), creatorId: "planner", comment: "" }
    expect(apply(parent, { ...header, changes: { removedCases: [id(9, 0xc)] } }))
      .toBe(`changes.removedCases names case ${id(9, 0xc)}, which the parent does not carry`)
    expect(apply(parent, { ...header, changes: { dropped: { alertRequests: [id(7)] } } }))
      .toBe(`changes.dropped.alertRequests names alert request ${id(7)}, which the parent does not carry`)
    expect(apply(parent, { ...header, parentId: id(3, 0x5), changes: {} })).toBe(`the delta is against ${id(3, 0x5)}, not against ${id(1, 0x5)}`)
    const c1 = { id: id(1, 0xc), comment: "", closed: true }
    expect(apply(parent, { ...header, changes: { cases: [c1], removedCases: [c1.id] } }))
      .toBe(`case ${c1.id} is both in changes.removedCases and in changes.cases`)
    expect(apply(parent, { ...header, changes: { cases: [c1, c1] } })).toBe(`changes.cases names case ${c1.id} more than once`)
    expect(apply(parent, { ...header, changes: { dropped: { widgets: [id(1)] } } }))
      .toBe("The delta document is invalid: changes.dropped.widgets is not a known field.")
    expect(apply(parent, { ...header, parentId: null, changes: {} })).toBe("The delta document is invalid: parentId must be a string.")
    expect(apply(parent, { ...header, changes: { cases: [{ ...c1, alertRequests: [{ id: id(5) }] }] } }))
      .toMatch(/^The delta document is invalid: changes\.cases\[0\]\.alertRequests\[0\]\.class is required/)
  })

  it("an empty delta gives the parent's cases under the child's header", () => {
    const parent = decode(doc({ id: 1, parent: null, cases: [{ id: 1, alerts: [1], bundles: [41] }] }))
    const applied = apply(parent, { id: id(2, 0x5), parentId: id(1, 0x5), creatorId: "planner", comment: "same", changes: {} })
    expect(applied).toEqual({ id: id(2, 0x5), parentId: id(1, 0x5), creatorId: "planner", comment: "same", cases: parent.cases })
  })
})
