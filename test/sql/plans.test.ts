import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { type Plan, scansWithoutIndex, tablesScannedWithoutIndex, usesIndex } from "./plans.ts"

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

  it("reads CockroachDB's plans (recorded from its documentation): FULL SCAN, except partial indexes and hard limits", () => {
    expect(cockroach.length).toBe(9)
    for (const { name, expected, plan } of cockroach) expect(tablesScannedWithoutIndex(plan), name).toEqual(expected)
  })

  it("reads PostgreSQL's plans: Seq Scan on the relation", () => {
    expect(postgres.length).toBe(4)
    for (const { name, expected, plan } of postgres) expect(tablesScannedWithoutIndex(plan), name).toEqual(expected)
  })

  it("answers per table, and names the index a plan reads through", () => {
    const join = cockroach.find((p) => p.name.includes("cross join"))!.plan
    expect(scansWithoutIndex(join, "users")).toBe(true)
    expect(scansWithoutIndex(join, "rides")).toBe(false)
    const partial = cockroach.find((p) => p.name.includes("end_time"))!.plan
    expect(usesIndex(partial, "rides_city_revenue_idx1")).toBe(true)
    expect(usesIndex(partial, "rides_pkey")).toBe(false)
    const sweep = postgres.find((p) => p.name.includes("sweep page"))!.plan
    expect(usesIndex(sweep, "marker_dropped")).toBe(true)
    expect(usesIndex(postgres.find((p) => p.name.includes("bitmap"))!.plan, "marker_dropped")).toBe(true)
  })

  it("a full scan under a hard limit of its own is exempt; a soft limit is not (synthetic variants of a recorded plan)", () => {
    const full = cockroach.find((p) => p.name.includes("no index"))!.plan
    const withLimit = (extra: string): Plan => ({ ...full, lines: full.lines.flatMap((l) => (l.includes("spans: FULL SCAN") ? [l, l.replace(/spans: .*/, extra)] : [l])) })
    expect(tablesScannedWithoutIndex(withLimit("limit: 1"))).toEqual([])
    const soft: Plan = { ...full, lines: full.lines.map((l) => l.replace("spans: FULL SCAN", "spans: FULL SCAN (SOFT LIMIT)")) }
    expect(tablesScannedWithoutIndex(soft)).toEqual(["rides"])
  })
})
