import { Option, Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { decodeSitrepDelta } from "../src/model/delta.ts"
import { decodeSitrepDocument, type SitrepDocument } from "../src/model/document.ts"
import type { Sitrep } from "../src/model/sitrep.ts"
import { applySitrepDelta } from "../src/rules/delta.ts"
import { canonicalJson, canonicalJsonAll, planChild, requestDigest, type SitrepOutline } from "../src/rules/lineage.ts"
import { deltaTouches, planDelta } from "../src/rules/publishDelta.ts"
import { doc, id, registry } from "./fixtures.ts"

const decode = (d: unknown) => Result.getOrThrow(decodeSitrepDocument(registry)(d))
/** The identity for a hash: the domain is tested without a SHA-256 of its own. */
const sha256Hex = (text: string) => text
const digestOf = requestDigest(sha256Hex)

/** The stored sitrep of a first document, and its outline with only `keep`'s requests, as a store gives them. */
const stored = (parent: SitrepDocument): Sitrep => {
  const plan = Result.getOrThrow(planChild(registry, parent, undefined))
  return { ...parent, version: 1 as never, timeCreated: new Date(0), ...plan } as never
}
const outline = (s: Sitrep, keep: (id: string, caseId: string) => boolean): SitrepOutline => ({
  id: s.id,
  parentId: s.parentId,
  version: s.version,
  generations: s.generations,
  cases: s.cases.map(({ requests: _r, ...c }) => c),
  carried: registry.all.flatMap((k) =>
    s.cases.flatMap((c) =>
      (c.requests[k.name] ?? []).flatMap((r, position) =>
        keep(r.id, r.caseId) ? [{ kind: k.name, id: r.id, caseId: r.caseId, enteredAt: r.enteredAt, position, digest: digestOf(r.body) }] : []
      )
    )
  )
})

/** An id of a small pool, mostly of the expected sort (tag), sometimes another's, so that ids collide across cases, kinds and the sitrep. */
const ref = (usual: number) =>
  fc.tuple(fc.constantFrom(usual, usual, usual, usual, usual, usual, usual, 0xa, 0xb, 0xc, 0x5), fc.integer({ min: 1, max: 8 })).map(([tag, n]) => id(n, tag))

/** Mostly an id the parent has, sometimes any id of the pool. */
const pick = (existing: ReadonlyArray<string>, usual: number) =>
  existing.length === 0 ? ref(usual) : fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...existing) }, { weight: 1, arbitrary: ref(usual) })

const deltaArb = (cases: ReadonlyArray<string>, alerts: ReadonlyArray<string>, bundles: ReadonlyArray<string>) => fc.record({
  cases: fc.array(
    fc.record({
      id: pick(cases, 0xc),
      comment: fc.constantFrom("", "changed"),
      closed: fc.boolean(),
      alertRequests: fc.array(
        fc.record({ id: fc.oneof(ref(0xa), pick(alerts, 0xa)), class: fc.constantFrom("x.y", "x.y", "other"), n: fc.integer({ min: 1, max: 8 }) }),
        { maxLength: 3 }
      ),
      supportBundleRequests: fc.array(ref(0xb), { maxLength: 2 })
    }),
    { maxLength: 3 }
  ),
  removedCases: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(pick(cases, 0xc), { maxLength: 2 }) }),
  droppedAlerts: fc.array(pick(alerts, 0xa), { maxLength: 3 }),
  droppedBundles: fc.array(pick(bundles, 0xb), { maxLength: 2 }),
  generations: fc.option(fc.record({ alert: fc.integer({ min: 1, max: 3 }) }), { nil: undefined, freq: 4 })
})

const parentArb = fc.record({
  cases: fc.uniqueArray(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }),
  closed: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
  alerts: fc.uniqueArray(fc.integer({ min: 1, max: 8 }), { maxLength: 8 }),
  bundles: fc.uniqueArray(fc.integer({ min: 1, max: 8 }), { maxLength: 4 })
})

describe("planDelta (SPEC 7.1a, issue 19)", () => {
  it("answers what planChild answers for the applied document, refusals word for word, reading only what the delta touches", () => {
    const arb = parentArb.chain((p) =>
      deltaArb(p.cases.map((c) => id(c, 0xc)), p.alerts.map((a) => id(a, 0xa)), p.bundles.map((b) => id(b, 0xb))).map((d) => [p, d] as const)
    )
    fc.assert(fc.property(arb, ([p, d]) => {
      const n = p.cases.length
      const parentDoc = decode(doc({
        id: 1,
        parent: null,
        cases: p.cases.map((c, i) => ({
          id: c,
          closed: p.closed[i]!,
          alerts: p.alerts.filter((_, j) => j % n === i),
          bundles: p.bundles.filter((_, j) => j % n === i)
        }))
      }))
      const parent = stored(parentDoc)
      const raw = {
        id: id(2, 0x5),
        parentId: parent.id,
        creatorId: "planner",
        comment: "",
        ...(d.generations === undefined ? {} : { generations: d.generations }),
        changes: {
          cases: d.cases.map((c) => ({
            id: c.id,
            comment: c.comment,
            closed: c.closed,
            alertRequests: c.alertRequests.map((r) => ({ id: r.id, class: r.class, payload: { n: r.n }, comment: "" })),
            supportBundleRequests: c.supportBundleRequests.map((b) => ({ id: b, reason: "r", comment: "" }))
          })),
          removedCases: d.removedCases,
          dropped: { alertRequests: d.droppedAlerts, supportBundleRequests: d.droppedBundles }
        }
      }
      const delta = Result.getOrThrow(decodeSitrepDelta(registry)(raw))
      const applied = applySitrepDelta(registry, parentDoc, delta)
      const viaDocument = Result.isFailure(applied) ? Result.fail(applied.failure) : planChild(registry, applied.success, parent)
      const touches = deltaTouches(registry, delta)
      const touched = new Set(touches.ids)
      const removed = new Set<string>(touches.removedCases)
      const excerpt = outline(parent, (r, c) => touched.has(r) || removed.has(c))
      const viaDelta = planDelta(registry, delta, excerpt, {}, sha256Hex)
      if (Result.isFailure(viaDocument) || Result.isFailure(viaDelta)) {
        expect(Result.isFailure(viaDelta) ? viaDelta.failure : "planned").toBe(Result.isFailure(viaDocument) ? viaDocument.failure : "planned")
        return
      }
      const full = viaDocument.success
      const change = viaDelta.success
      expect(change.generations).toEqual(full.generations)
      expect(change.added.map((a) => [a.kind, a.request.id])).toEqual(full.added.map((a) => [a.kind, a.id]))
      const byId = (xs: ReadonlyArray<{ kind: string; id: string; droppedAtGeneration: bigint }>) =>
        xs.map((x) => `${x.kind}/${x.id}@${x.droppedAtGeneration}`).sort()
      expect(byId(change.dropped)).toEqual(byId(full.dropped))
      expect(change.cases.map(({ requestKinds: _k, ...c }) => c)).toEqual(full.cases.map(({ requests: _r, ...c }) => c))
      // The child the change stands for: per case and kind, the carried requests left, then the added ones.
      const gone = new Set(change.dropped.map((x) => x.id))
      const parentCases = new Map(parent.cases.map((c) => [c.id, c]))
      for (const c of full.cases) {
        for (const k of registry.all) {
          const expected = [...(parentCases.get(c.id)?.requests[k.name] ?? []).filter((r) => !gone.has(r.id))]
          const kept = new Set(expected.map((r) => r.id))
          expected.push(...(c.requests[k.name] ?? []).filter((r) => !kept.has(r.id)))
          const got = [
            ...(parentCases.get(c.id)?.requests[k.name] ?? []).filter((r) => !gone.has(r.id)),
            ...change.added.filter((a) => a.kind === k.name && a.request.caseId === c.id).sort((a, b) => a.position - b.position).map((a) => a.request)
          ]
          expect(got.map((r) => [r.id, r.enteredAt])).toEqual(expected.map((r) => [r.id, r.enteredAt]))
          expect(new Set(got.map((r) => r.id))).toEqual(new Set((c.requests[k.name] ?? []).map((r) => r.id)))
        }
      }
    }), { numRuns: 2000 })
  })

  it("a carried request compared by digest: the outline's digest, not its body", () => {
    const parentDoc = decode(doc({ id: 1, parent: null, cases: [{ id: 1, alerts: [1, 2] }] }))
    const parent = stored(parentDoc)
    const changed = decode(doc({ id: 2, parent: 1, cases: [{ id: 1, alerts: [1, 2], cls: "other" }] }))
    const same = decode(doc({ id: 2, parent: 1, cases: [{ id: 1, alerts: [2, 1] }] }))
    const all = outline(parent, () => true)
    expect(Result.isSuccess(planChild(registry, same, all, {}, sha256Hex))).toBe(true)
    expect(planChild(registry, changed, all, {}, sha256Hex)).toEqual(planChild(registry, changed, parent))
    expect(Result.isFailure(planChild(registry, changed, all, {}, sha256Hex))).toBe(true)
    // A digest that does not match the body is a changed request, whatever the body says.
    const tampered = { ...all, carried: all.carried.map((r) => ({ ...r, digest: "0" })) }
    expect(Result.getFailure(planChild(registry, same, tampered, {}, sha256Hex))).toEqual(
      Option.some(`alert request ${id(2)} differs from the parent's; a request is immutable, give a changed request a new id`)
    )
  })
})

describe("canonicalJson", () => {
  /** The former definition: JSON.stringify with a replacer that sorts every object's keys. */
  const former = (body: unknown): string => JSON.stringify(body, (_k, v) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v)

  it("is the text the former replacer gave, for any JSON value (stored digests stay valid)", () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      expect(canonicalJson(v)).toBe(former(v))
    }), { numRuns: 2000 })
    fc.assert(fc.property(fc.anything({ withNullPrototype: false, withBigInt: false }), (v) => {
      expect(canonicalJson(v)).toBe(former(v))
    }), {
      numRuns: 500
    })
  })

  it("canonicalJsonAll gives each value's canonicalJson, with keys of every sort across the values", () => {
    fc.assert(fc.property(fc.array(fc.jsonValue()), (vs) => {
      expect(canonicalJsonAll(vs)).toEqual(vs.map(canonicalJson))
    }), { numRuns: 1000, examples: [[JSON.parse('[{"__proto__":null},[{}]]')]] })
    fc.assert(fc.property(fc.array(fc.anything({ withNullPrototype: false, withBigInt: false })), (vs) => {
      expect(canonicalJsonAll(vs)).toEqual(vs.map(canonicalJson))
    }), { numRuns: 300 })
  })
})
