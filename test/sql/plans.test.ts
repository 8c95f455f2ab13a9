import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { type Plan, scans, scansUnbounded, unboundedScans, usesIndex } from "./plans.ts"

/** The recorded plans of `file`: name, the tables expected to be scanned without an index, the plan. */
const recorded = (file: string, dialect: Plan["dialect"]) => {
  const text = readFileSync(join(import.meta.dirname, "plans", file), "utf8")
  return text.split(/^## /m).slice(1).map((chunk) => {
    const [header, ...lines] = chunk.split("\n")
    const [name, expected = ""] = header!.split("|")
    const plan: Plan = { dialect, lines: lines.filter((l) => l.trim() !== "") }
    return { name: name!.trim(), expected: expected.split(",").map((t) => t.trim()).filter((t) => t !== ""), plan }
  })
}

describe("the one plan reader: does it scan this table without an index?", () => {
  const cockroach = recorded("cockroachdb-v24.1.txt", "cockroachdb")
  const postgres = recorded("postgresql-15.txt", "postgresql")

  it("reads CockroachDB's plans (recorded from its documentation and its own tests): FULL SCAN, on partial indexes too, through buffers and lookup joins", () => {
    expect(cockroach.length).toBe(12)
    for (const { name, expected, plan } of cockroach) expect(unboundedScans(plan), name).toEqual(expected)
  })

  it("reads PostgreSQL's plans: a Seq Scan, or an index read without an index condition", () => {
    expect(postgres.length).toBe(4)
    for (const { name, expected, plan } of postgres) expect(unboundedScans(plan), name).toEqual(expected)
  })

  it("answers per table, and names the index a plan reads through", () => {
    const join = cockroach.find((p) => p.name.includes("cross join"))!.plan
    expect(scansUnbounded(join, "users")).toBe(true)
    expect(scansUnbounded(join, "rides")).toBe(false)
    const partial = cockroach.find((p) => p.name.includes("end_time"))!.plan
    expect(usesIndex(partial, "rides_city_revenue_idx1")).toBe(true)
    expect(usesIndex(partial, "rides_pkey")).toBe(false)
    const sweep = postgres.find((p) => p.name.includes("sweep page"))!.plan
    expect(usesIndex(sweep, "marker_dropped")).toBe(true)
    // A read whose rows are filtered (a `• filter` parent, a `Filter:` line): a LIMIT does not bound it.
    expect(scans(cockroach.find((p) => p.name.includes("no index"))!.plan).map((s) => s.filtered)).toEqual([true])
    expect(scans(join).map((s) => s.filtered)).toEqual([false, false])
    expect(scans(postgres.find((p) => p.name.includes("unindexed"))!.plan).map((s) => s.filtered)).toEqual([true, false])
    expect(usesIndex(postgres.find((p) => p.name.includes("bitmap"))!.plan, "marker_dropped")).toBe(true)
  })

  it("a full scan is refused under a hard limit of its own as under a soft one (synthetic variants of a recorded plan)", () => {
    const full = cockroach.find((p) => p.name.includes("no index"))!.plan
    const withLimit = (extra: string): Plan => ({ ...full, lines: full.lines.flatMap((l) => (l.includes("spans: FULL SCAN") ? [l, l.replace(/spans: .*/, extra)] : [l])) })
    expect(unboundedScans(withLimit("limit: 1"))).toEqual(["rides"])
    const soft: Plan = { ...full, lines: full.lines.map((l) => l.replace("spans: FULL SCAN", "spans: FULL SCAN (SOFT LIMIT)")) }
    expect(unboundedScans(soft)).toEqual(["rides"])
    // Fail closed: a table scan that shows no spans at all is unbounded.
    const noSpans: Plan = { ...full, lines: full.lines.filter((l) => !l.includes("spans:")) }
    expect(unboundedScans(noSpans)).toEqual(["rides"])
  })

  it("PostgreSQL: an index read under a Limit, or whose only condition restates a partial index's predicate, is unbounded", () => {
    const sweep = postgres.find((p) => p.name.includes("sweep page"))!.plan
    const ignoringCursor: Plan = { ...sweep, lines: sweep.lines.filter((l) => !l.includes("Index Cond:")) }
    expect(unboundedScans(sweep)).toEqual([])
    expect(unboundedScans(ignoringCursor)).toEqual(["marker"])
    const notNull: Plan = { ...sweep, lines: sweep.lines.map((l) => l.replace(/Index Cond: .*/, "Index Cond: (dropped_at_generation IS NOT NULL)")) }
    expect(unboundedScans(notNull)).toEqual(["marker"])
  })
})
