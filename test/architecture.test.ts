import { readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"

const files = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : []
  })

const imports = (file: string) =>
  [...readFileSync(file, "utf8").matchAll(/^\s*(?:import|export)(?:[^'"]*?from)?\s*["']([^"']+)["']/gm)].map((m) => m[1]!)

describe("architecture (ARCHITECTURE.md)", () => {
  it("the domain imports only effect and its own files, and touches no platform global", () => {
    for (const file of files("packages/domain/src")) {
      for (const spec of imports(file)) expect(`${file}: ${spec}`).toMatch(/: (effect(\/.*)?|\.{1,2}\/.*)$/)
      expect(readFileSync(file, "utf8")).not.toMatch(/\b(process\.|Date\.now\(|Math\.random\(|require\()/)
    }
  })

  it("arrows point inward: adapters import the domain, never the app", () => {
    for (const pkg of ["adapters-memory", "adapters-sql"]) {
      for (const file of files(`packages/${pkg}/src`)) {
        for (const spec of imports(file)) expect(`${file}: ${spec}`).not.toMatch(/@fm-rendezvous\/app/)
      }
    }
  })

  it("the product never imports the test kit: test and bench machinery stays out of packages/*/src", () => {
    const product = readdirSync("packages").filter((p) => p !== "testkit")
    expect(product.length).toBeGreaterThan(3)
    for (const pkg of product) {
      for (const file of files(`packages/${pkg}/src`)) {
        for (const spec of imports(file)) expect(`${file}: ${spec}`).not.toMatch(/@fm-rendezvous\/testkit|packages\/testkit|\/test\//)
      }
    }
  })

  it("the bench does not import the tests: what both need is in the test kit", () => {
    for (const file of files("bench")) {
      for (const spec of imports(file)) expect(`${file}: ${spec}`).not.toMatch(/(^|\/)test\//)
    }
  })
})
