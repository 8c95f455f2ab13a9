import { readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, normalize } from "node:path"
import { describe, expect, it } from "vitest"

const files = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : []
  })

const imports = (file: string) =>
  [...readFileSync(file, "utf8").matchAll(/^\s*(?:import|export)(?:[^'"]*?from)?\s*["']([^"']+)["']/gm)].map((m) => m[1]!)

/** `imports`, and the modules loaded on demand (`import("...")`), which are arrows as well. */
const allImports = (file: string) => [
  ...imports(file),
  ...[...readFileSync(file, "utf8").matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]!)
]

/** The source file an import names: relative paths, and the workspace packages' own entry points. */
const target = (file: string, spec: string): string | undefined => {
  if (spec.startsWith(".")) return normalize(join(dirname(file), spec))
  const m = /^@fm-rendezvous\/([^/]+)(?:\/(.+))?$/.exec(spec)
  return m === null ? undefined : join("packages", m[1]!, "src", m[2] === undefined ? "index.ts" : `${m[2]}.ts`)
}

/** The first import cycle found among `sources`, as the path that closes it (empty: none). */
const firstCycle = (sources: ReadonlyArray<string>): ReadonlyArray<string> => {
  const known = new Set(sources)
  const edges = new Map(sources.map((f) => [f, imports(f).flatMap((s) => {
    const t = target(f, s)
    return t !== undefined && known.has(t) ? [t] : []
  })]))
  const done = new Set<string>()
  const visit = (file: string, path: ReadonlyArray<string>): ReadonlyArray<string> => {
    const at = path.indexOf(file)
    if (at >= 0) return [...path.slice(at), file]
    if (done.has(file)) return []
    for (const next of edges.get(file) ?? []) {
      const cycle = visit(next, [...path, file])
      if (cycle.length > 0) return cycle
    }
    done.add(file)
    return []
  }
  for (const f of sources) {
    const cycle = visit(f, [])
    if (cycle.length > 0) return cycle
  }
  return []
}

describe("architecture (ARCHITECTURE.md)", () => {
  it("no import cycle between modules of the packages (type-only imports included)", () => {
    const sources = readdirSync("packages").flatMap((pkg) => {
      const src = join("packages", pkg, "src")
      return statSync(src, { throwIfNoEntry: false })?.isDirectory() ? files(src) : []
    })
    expect(sources.length).toBeGreaterThan(50)
    expect(firstCycle(sources).join(" -> ")).toBe("")
  })

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

  // The two edges of the app are peers over one set of operations and verdicts (docs/ARCHITECTURE.md):
  // what both need (the failure verdict, the input parsers, page tokens, JSON text) is in shared/.
  const app = "packages/app/src"
  const appFiles = files(app)
  const arrows = (from: (file: string) => boolean, to: (target: string) => boolean) =>
    appFiles.filter(from).flatMap((file) =>
      allImports(file).flatMap((spec) => {
        const t = target(file, spec)
        return t !== undefined && to(t) ? [`${file} -> ${t}`] : []
      })
    )
  const under = (dir: string) => (file: string) => file.startsWith(`${app}/${dir}/`)

  it("nothing outside cli/ imports the command line, except the program's entry points", () => {
    const entryPoints = new Set([`${app}/bin/fm.ts`, `${app}/index.ts`])
    expect(appFiles.filter(under("cli")).length).toBeGreaterThan(5)
    expect(arrows((f) => !under("cli")(f) && !entryPoints.has(f), under("cli"))).toEqual([])
  })

  it("the command line knows the server only through the API client, and the one command that starts it", () => {
    const allowed = new Set([
      // the client mode (SPEC 8.5): the client built from the one API definition
      `${app}/cli/remote.ts -> ${app}/http/api.ts`,
      `${app}/cli/remote.ts -> ${app}/http/client.ts`,
      // fm serve loads the server it starts
      `${app}/cli/commands/serve.ts -> ${app}/http/server.ts`,
      `${app}/cli/commands/serve.ts -> ${app}/http/waiting.ts`
    ])
    expect(arrows(under("cli"), under("http")).filter((a) => !allowed.has(a))).toEqual([])
  })

  it("shared/ is below both edges: it imports neither the command line nor the server", () => {
    expect(appFiles.filter(under("shared")).length).toBeGreaterThan(3)
    expect(arrows(under("shared"), (t) => under("cli")(t) || under("http")(t))).toEqual([])
  })
})
