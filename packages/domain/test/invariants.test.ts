import { describe, expect, it } from "vitest"
import {
  authorization,
  type Check,
  convergence,
  gcLiveness,
  gcSafety,
  idempotence,
  monotonicity,
  noResurrection,
  noResurrectionInLog,
  noStaleCreationInLog,
  noStaleCreationOfActivation,
  noStaleCreationOfMarkers
} from "../src/invariants/checks.ts"
import { droppedIds, type KindSnapshot, type Published, published, type StoreSnapshot } from "../src/invariants/snapshot.ts"
import { InvariantTally } from "../src/invariants/tally.ts"
import type { ResourceId } from "../src/model/ids.ts"
import type { Case, Sitrep } from "../src/model/sitrep.ts"
import type { ActivationReport } from "../src/model/report.ts"
import { g, id, registry } from "./fixtures.ts"

/** A sitrep of version `v` requesting these alert and bundle numbers, at these generations. */
const sitrep = (v: number, alerts: Array<number>, bundles: Array<number>, gens: [number, number]): Sitrep => ({
  id: id(v, 0x5),
  parentId: null,
  version: v,
  creatorId: "planner",
  timeCreated: new Date(0),
  comment: "",
  generations: { alert: g(gens[0]), support_bundle: g(gens[1]) },
  cases: [{
    id: id(1, 0xc),
    comment: "",
    closed: false,
    firstSitrepId: id(1, 0x5),
    closedSitrepId: null,
    requests: {
      alert: alerts.map((n) => ({ id: id(n, 0xa) as ResourceId, caseId: id(1, 0xc), body: {} })),
      support_bundle: bundles.map((n) => ({ id: id(n, 0xb) as ResourceId, caseId: id(1, 0xc), body: {} }))
    }
  } as unknown as Case]
} as unknown as Sitrep)

const kind = (rows: Record<string, string | null>, markers: Record<string, [number, boolean, number?]> = {}): KindSnapshot => ({
  rows: new Map(Object.entries(rows).map(([k, state]) => [k, { state, content: `${k}:${state}` }])),
  markers: new Map(Object.entries(markers).map(([k, [gen, deleted, dropped]]) => [k, { createdAt: BigInt(gen), deleted, droppedAt: dropped === undefined ? null : BigInt(dropped) }]))
})

const snap = (alert: KindSnapshot, bundle: KindSnapshot = kind({})): StoreSnapshot => ({
  kinds: { alert, support_bundle: bundle },
  newestVersion: 1,
  progress: {}
})

const a = (n: number) => id(n, 0xa)
const b = (n: number) => id(n, 0xb)
const broken = (checks: Check | ReadonlyArray<Check>) => (Array.isArray(checks) ? checks : [checks]).filter((c) => c.violation !== null)

describe("the SPEC 4 invariants, as pure checks", () => {
  it("no resurrection: a deleted id has no live row (a bundle may be destroying) and no live marker", () => {
    const deleted = [{ kind: "alert", id: a(1) }, { kind: "support_bundle", id: b(1) }]
    expect(broken(noResurrection(registry, snap(kind({}, { [a(1)]: [1, true] }), kind({ [b(1)]: "destroying" })), deleted))).toHaveLength(0)
    expect(broken(noResurrection(registry, snap(kind({ [a(1)]: null })), deleted))[0]!.violation).toMatch(/exists again after an operator deleted it/)
    expect(broken(noResurrection(registry, snap(kind({}, { [a(1)]: [1, false] })), deleted))).toHaveLength(1)
    expect(broken(noResurrection(registry, snap(kind({}), kind({ [b(1)]: "collecting" })), deleted))).toHaveLength(1)
  })

  it("no resurrection in the logs: one removal per id, nothing created after its delete", () => {
    const del = (end: number) => ({ kind: "alert", id: a(1), outcome: "Remove", start: end - 1, end })
    const created = (start: number) => ({ kind: "alert" as never, held: 1n, start, end: start + 1, result: { _tag: "Applied" as const, outcomes: [{ id: a(1) as ResourceId, outcome: "Created" as const }] } })
    expect(broken(noResurrectionInLog(registry, [del(5)], [created(1)]))).toHaveLength(0)
    expect(broken(noResurrectionInLog(registry, [del(5), del(9)], []))).toHaveLength(1)
    expect(broken(noResurrectionInLog(registry, [del(5)], [created(6)]))).toHaveLength(1)
  })

  it("no stale creation: markers from generations that requested them; activations only from the current generation", () => {
    const lineage: Array<Published> = [published(sitrep(1, [1], [], [1, 1]), ["alert", "support_bundle"])]
    const scope = () => [a(1), a(2)]
    expect(broken(noStaleCreationOfMarkers(registry, snap(kind({}, { [a(1)]: [1, false] })), lineage, scope))).toHaveLength(0)
    expect(broken(noStaleCreationOfMarkers(registry, snap(kind({}, { [a(2)]: [1, false] })), lineage, scope))).toHaveLength(1)
    // A tombstone a delete wrote where nothing requested the id (dropped at its own generation) is
    // no creation; the same marker live, or dropped later, still is.
    expect(broken(noStaleCreationOfMarkers(registry, snap(kind({}, { [a(2)]: [1, true, 1] })), lineage, scope))).toHaveLength(0)
    expect(broken(noStaleCreationOfMarkers(registry, snap(kind({}, { [a(2)]: [1, false, 1] })), lineage, scope))).toHaveLength(1)
    expect(broken(noStaleCreationOfMarkers(registry, snap(kind({}, { [a(2)]: [1, true, 2] })), lineage, scope))).toHaveLength(1)
    const held = sitrep(1, [1], [], [1, 1])
    const before = snap(kind({}))
    const after = snap(kind({ [a(1)]: null }))
    expect(broken(noStaleCreationOfActivation(registry, held, held, before, after))).toHaveLength(0)
    expect(broken(noStaleCreationOfActivation(registry, held, sitrep(2, [1], [], [2, 1]), before, after))).toHaveLength(1)
    const report = (stale: boolean) => ({ kinds: { alert: { stale }, support_bundle: { stale: false } } }) as unknown as ActivationReport
    const marks = (executed: bigint | null) => ({ newestVersion: 1, progress: { alert: { executed, swept: null } } })
    const outcome = (stale: boolean, from: bigint | null, to: bigint | null) => ({ report: report(stale), progressBefore: marks(from), progressAfter: marks(to) })
    const newer = sitrep(2, [1], [], [2, 1])
    expect(broken(noStaleCreationOfActivation(registry, held, held, before, before, outcome(false, null, 1n)))).toHaveLength(0)
    expect(broken(noStaleCreationOfActivation(registry, held, newer, before, before, outcome(true, 1n, 1n)))).toHaveLength(0)
    expect(broken(noStaleCreationOfActivation(registry, held, held, before, before, outcome(true, null, null)))[0]!.violation).toMatch(/the report says stale=true/)
    expect(broken(noStaleCreationOfActivation(registry, held, newer, before, before, outcome(true, 1n, 2n)))[0]!.violation).toMatch(/a stale activation .* moved execution progress from 1 to 2/)
    const batch = (start: number, held: bigint) => ({ kind: "alert" as never, held, start, end: start + 1, result: { _tag: "Applied" as const, outcomes: [{ id: a(1) as ResourceId, outcome: "Created" as const }] } })
    const timed: Array<Published> = [published(held, ["alert"], 0, 1), published(sitrep(2, [], [], [2, 1]), ["alert"], 10, 11)]
    expect(broken(noStaleCreationInLog(registry, timed, [batch(5, 1n)]))).toHaveLength(0)
    expect(broken(noStaleCreationInLog(registry, timed, [batch(12, 1n)]))).toHaveLength(1)
    expect(broken(noStaleCreationInLog(registry, timed, [batch(12, 7n)])).length).toBeGreaterThan(0)
  })

  it("convergence: every undeleted request of the current sitrep exists, unless its kind is exempt", () => {
    const current = sitrep(1, [1, 2], [], [1, 1])
    expect(broken(convergence(registry, snap(kind({ [a(1)]: null, [a(2)]: null })), current, () => false))).toHaveLength(0)
    expect(broken(convergence(registry, snap(kind({ [a(1)]: null })), current, () => false))).toHaveLength(1)
    expect(broken(convergence(registry, snap(kind({ [a(1)]: null })), current, (_k, x) => x === a(2)))).toHaveLength(0)
    expect(broken(convergence(registry, snap(kind({})), current, () => false, (k) => k === "alert"))).toHaveLength(0)
  })

  it("idempotence: nothing created again and the stores unchanged", () => {
    const s = snap(kind({ [a(1)]: null }, { [a(1)]: [1, false] }))
    expect(broken(idempotence(s, snap(kind({ [a(1)]: null }, { [a(1)]: [1, false] })), 0))).toHaveLength(0)
    expect(broken(idempotence(s, s, 1))).toHaveLength(1)
    expect(broken(idempotence(s, snap(kind({ [a(1)]: null }, { [a(1)]: [2, false] })), 0))).toHaveLength(1)
  })

  it("GC safety and liveness: markers stay exactly while requested, once created", () => {
    const current = sitrep(2, [1], [], [2, 1])
    expect(broken(gcSafety(registry, snap(kind({}, { [a(1)]: [1, false] })), current, () => true))).toHaveLength(0)
    expect(broken(gcSafety(registry, snap(kind({})), current, () => true))).toHaveLength(1)
    expect(broken(gcSafety(registry, snap(kind({})), current, () => false))).toHaveLength(0)
    const lineage = [published(sitrep(1, [1, 2], [], [1, 1]), ["alert"]), published(current, ["alert"])]
    expect([...droppedIds(lineage, "alert")]).toEqual([a(2)])
    const dropped = (k: string) => droppedIds(lineage, k)
    expect(broken(gcLiveness(registry, snap(kind({}, { [a(1)]: [1, false] })), current, dropped))).toHaveLength(0)
    expect(broken(gcLiveness(registry, snap(kind({}, { [a(2)]: [1, false] })), current, dropped))).toHaveLength(1)
  })

  it("monotonicity: history and progress never go backwards", () => {
    const at = (v: number, executed: bigint | null) => ({ newestVersion: v, progress: { alert: { executed, swept: null } } })
    expect(broken(monotonicity(at(1, 1n), at(2, 2n)))).toHaveLength(0)
    expect(broken(monotonicity(at(2, 1n), at(1, 1n)))).toHaveLength(1)
    expect(broken(monotonicity(at(1, 2n), at(1, 1n)))).toHaveLength(1)
    expect(broken(monotonicity(at(1, 2n), at(1, null)))).toHaveLength(1)
  })

  it("authorization: refused as not authorized, with a reason, and nothing changed", () => {
    const s = snap(kind({ [a(1)]: null }))
    const attempt = (failure: { _tag: string; message: string } | null) => ({ who: "victor (viewer)", what: "alert", failure })
    expect(broken(authorization(attempt({ _tag: "NotAuthorized", message: "viewers may not delete" }), s, s))).toHaveLength(0)
    expect(broken(authorization(attempt(null), s, snap(kind({}))))).toHaveLength(1)
    expect(broken(authorization(attempt({ _tag: "NotAuthorized", message: "no" }), s, snap(kind({}))))).toHaveLength(1)
  })

  it("the tally counts checks per invariant and claims none it never exercised", () => {
    const tally = new InvariantTally()
    tally.record(idempotence(snap(kind({})), snap(kind({})), 0))
    tally.record(noResurrection(registry, snap(kind({ [a(1)]: null })), [{ kind: "alert", id: a(1) }]))
    const results = tally.results()
    expect(results.find((r) => r.name === "Idempotence")).toEqual({ name: "Idempotence", holds: true, checks: 1, violations: [] })
    expect(results.find((r) => r.name === "No resurrection")!.holds).toBe(false)
    expect(results.find((r) => r.name === "GC safety")!.holds).toBe(false)
  })
})
