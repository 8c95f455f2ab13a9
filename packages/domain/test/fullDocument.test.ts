import { Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { decodeSitrepDocument } from "../src/model/document.ts"
import type { Sitrep } from "../src/model/sitrep.ts"
import { decodeAgainstParent } from "../src/rules/fullDocument.ts"
import { canonicalJson, planChild, requestDigest, type SitrepOutline } from "../src/rules/lineage.ts"
import { doc, id, registry } from "./fixtures.ts"

/** A hash that is not the identity, so a digest is not the body's text. */
const sha256Hex = (text: string) => `h${text.length}:${text}`
const digestOf = requestDigest(sha256Hex)
const full = decodeSitrepDocument(registry)
const decoder = decodeAgainstParent(registry)

const parentDoc = doc({
  id: 1,
  parent: null,
  cases: [
    { id: 1, alerts: [1, 2, 3], bundles: [4] },
    { id: 2, alerts: [5, 6], bundles: [7, 8] },
    { id: 3, alerts: [9] }
  ]
})
const stored: Sitrep = (() => {
  const parent = Result.getOrThrow(full(parentDoc))
  const plan = Result.getOrThrow(planChild(registry, parent, undefined))
  return { ...parent, version: 1 as never, timeCreated: new Date(0), ...plan } as never
})()
const outline: SitrepOutline = {
  id: stored.id,
  parentId: stored.parentId,
  version: stored.version,
  generations: stored.generations,
  cases: stored.cases.map(({ requests: _r, ...c }) => c),
  carried: registry.all.flatMap((k) =>
    stored.cases.flatMap((c) =>
      (c.requests[k.name] ?? []).map((r, position) => ({ kind: k.name, id: r.id, caseId: r.caseId, enteredAt: r.enteredAt, position, digest: digestOf(r.body) }))
    )
  )
}

/** A publish's answer as the publish of a full document reaches it, in steps against the parent (`decodeAgainstParent`). */
const inSteps = (input: unknown, parent: SitrepOutline | undefined): { answer: string; schemaSkipped: number } => {
  const shaped = decoder.shape(input)
  if (Result.isFailure(shaped)) return { answer: shaped.failure, schemaSkipped: 0 }
  const partial = decoder.against(input, shaped.success, parent)
  if (Result.isFailure(partial)) return { answer: partial.failure, schemaSkipped: 0 }
  const plan = planChild(registry, partial.success, parent, {}, sha256Hex)
  if (Result.isFailure(plan)) {
    const whole = decoder.full(input)
    return { answer: Result.isFailure(whole) ? whole.failure : `refused: ${plan.failure}`, schemaSkipped: 0 }
  }
  // The requests the schema did not check: left as the input had them.
  const schemaSkipped = partial.success.cases.reduce((n, c, i) =>
    n + registry.all.reduce((m, k) =>
      m + ((c[k.documentField] ?? []) as Array<unknown>).filter((r, j) =>
        r === (((input as Json)["cases"] as Array<Json>)[i]![k.documentField] as Array<unknown>)[j]
      ).length, 0), 0)
  return { answer: shownPlan(plan.success), schemaSkipped }
}

/** The same, as before issue 19's change: the whole schema, then the plan. */
const wholeFirst = (input: unknown, parent: SitrepOutline | undefined): string => {
  const whole = full(input)
  if (Result.isFailure(whole)) return whole.failure
  const plan = planChild(registry, whole.success, parent, {}, sha256Hex)
  return Result.isFailure(plan) ? `refused: ${plan.failure}` : shownPlan(plan.success)
}

const shownPlan = (plan: unknown) => canonicalJson(JSON.parse(JSON.stringify(plan, (_k, v) => typeof v === "bigint" ? `${v}n` : v)))

type Json = Record<string, unknown>
const child = (): Json => JSON.parse(JSON.stringify({ ...parentDoc, id: id(2, 0x5), parentId: parentDoc.id }))

/** Changes to a child document (a copy of the parent's content): valid ones, and every sort of problem, anywhere. */
const change = fc.oneof(
  // A request's body: valid or not, an excess field, a field missing, a value of another type.
  fc.record({
    c: fc.nat(2),
    kind: fc.constantFrom("alertRequests", "supportBundleRequests"),
    r: fc.nat(3),
    what: fc.constantFrom("class", "payload", "comment", "reason", "extra", "id"),
    value: fc.oneof(
      fc.constant(undefined),
      fc.constant("delete"),
      fc.string({ maxLength: 3 }),
      fc.integer(),
      fc.constant(null),
      fc.constant("x".repeat(300)),
      fc.constant("\u0000"),
      fc.constant("nope"),
      fc.constant(id(40, 0xa)),
      fc.constant(id(1, 0xa)),
      fc.constant(id(4, 0xb)),
      fc.constant(new Date(0)),
      fc.constant(Number.NaN),
      fc.jsonValue({ maxDepth: 2 })
    )
  }).map((m) => (d: Json) => {
    const list = (d["cases"] as Array<Json>)[m.c]?.[m.kind] as Array<Json> | undefined
    const r = list?.[m.r % Math.max(list.length, 1)]
    if (r === undefined || typeof r !== "object" || r === null) return
    if (m.value === "delete") delete r[m.what]
    else r[m.what] = m.value
  }),
  // A request replaced by something else, a new request, a list that is no list.
  fc.record({ c: fc.nat(2), kind: fc.constantFrom("alertRequests", "supportBundleRequests"), v: fc.constantFrom(null, "r", 1, "[]", "new", "newBad", "notList") })
    .map((m) => (d: Json) => {
      const c = (d["cases"] as Array<Json>)[m.c]
      if (c === undefined || (c[m.kind] !== undefined && !Array.isArray(c[m.kind]))) return
      const list = (c[m.kind] ??= []) as Array<unknown>
      if (m.v === "notList") c[m.kind] = { not: "a list" }
      else if (m.v === "new") list.push(m.kind === "alertRequests" ? { id: id(50, 0xa), class: "n", payload: 1, comment: "" } : { id: id(51, 0xb), reason: "n", comment: "" })
      else if (m.v === "newBad") list.push({ id: id(52, 0xa), class: 1 })
      else list.unshift(m.v === "[]" ? [] : m.v)
    }),
  // The header and the cases.
  fc.constantFrom<(d: Json) => void>(
    (d) => (d["id"] = "nope"),
    (d) => (d["extra"] = 1),
    (d) => (d["comment"] = 5),
    (d) => (d["generations"] = { alert: 0 }),
    (d) => ((d["cases"] as Array<Json>)[0]!["closed"] = "no"),
    (d) => ((d["cases"] as Array<Json>)[1]!["extra"] = true),
    (d) => (d["cases"] as Array<unknown>).push(null),
    (d) => delete (d["cases"] as Array<Json>)[2]!["alertRequests"],
    // Requests moved: the same bodies in another order, and to another case.
    (d) => ((d["cases"] as Array<Json>)[0]!["alertRequests"] as Array<unknown>).reverse(),
    (d) => {
      const cases = d["cases"] as Array<Json>
      ;(cases[2]!["alertRequests"] as Array<unknown>).push(...(cases[1]!["alertRequests"] as Array<unknown>).splice(0))
    }
  )
)

describe("a full document decoded against its parent (issue 19)", () => {
  it("answers exactly what the whole schema and then the plan answer: the same refusal sentence, or the same plan", () => {
    let refused = 0
    let skippedSome = 0
    fc.assert(
      fc.property(fc.array(change, { maxLength: 6 }), fc.boolean(), (changes, withParent) => {
        const input = child()
        for (const f of changes) {
          try {
            f(input)
          } catch {
            // A change that does not apply to what earlier ones left (a list that is no list any more): skipped.
          }
        }
        const parent = withParent ? outline : undefined
        const { answer, schemaSkipped } = inSteps(input, parent)
        expect(answer).toBe(wholeFirst(input, parent))
        if (answer.startsWith("The sitrep document is invalid")) refused++
        else if (schemaSkipped > 0) skippedSome++
      }),
      { numRuns: 1500 }
    )
    // The property saw both sides: refusals (of every sort above) and documents whose carried requests skipped the schema.
    expect(refused).toBeGreaterThan(100)
    expect(skippedSome).toBeGreaterThan(50)
  })

  it("names up to 20 problems, then how many more, in document order, as the full schema", () => {
    const input = child()
    for (const c of input["cases"] as Array<Json>) {
      for (const r of [...(c["alertRequests"] as Array<Json>), ...(c["supportBundleRequests"] as Array<Json>)]) {
        r["comment"] = 5
        r["extra"] = 1
      }
    }
    for (let n = 0; n < 10; n++) (input["cases"] as Array<Json>)[2]!["supportBundleRequests"] = [...((input["cases"] as Array<Json>)[2]!["supportBundleRequests"] as Array<unknown> ?? []), { id: id(70 + n, 0xb), reason: 1 }]
    // One request left as the parent had it: carried unchanged, but the refusal is the whole document's.
    ;(input["cases"] as Array<Json>)[0]!["alertRequests"] = [...(parentDoc.cases[0]!.alertRequests as Array<unknown>)]
    input["id"] = "nope"
    const answer = inSteps(input, outline).answer
    expect(answer).toBe(wholeFirst(input, outline))
    expect(answer).toMatch(/^The sitrep document is invalid: id must be a UUID.*; and \d+ more fields with problems\.$/)
  })

  it("skips the schema for carried requests with the parent's body only", () => {
    const input = child()
    const cases = input["cases"] as Array<Json>
    ;(cases[0]!["alertRequests"] as Array<Json>)[0]!["comment"] = "changed"
    ;(cases[1]!["alertRequests"] as Array<Json>).push({ id: id(60, 0xa), class: "n", payload: null, comment: "" })
    const { answer, schemaSkipped } = inSteps(input, outline)
    expect(answer).toBe(wholeFirst(input, outline))
    expect(answer).toMatch(/^refused: alert request .* differs from the parent's/)
    // Unchanged, the child plans; its 9 carried requests skip the schema, the new one does not.
    ;(cases[0]!["alertRequests"] as Array<Json>)[0]!["comment"] = ""
    const unchanged = inSteps(input, outline)
    expect(unchanged.answer).toBe(wholeFirst(input, outline))
    expect(unchanged.schemaSkipped).toBe(9)
    expect(inSteps(input, undefined).schemaSkipped).toBe(0)
    // A carried request's body made invalid: the schema's sentence, not the plan's.
    ;(cases[0]!["alertRequests"] as Array<Json>)[0]!["comment"] = 5
    expect(inSteps(input, outline).answer).toBe("The sitrep document is invalid: cases[0].alertRequests[0].comment must be a string.")
  })
})
