import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"

/**
 * `npx fm` right after `npm ci` in a clean clone, before any build: dist/ is not in git
 * (.gitignore), so the bin finds no bundle. It must say, in one sentence, which command makes
 * it, and exit 1, not die with ERR_MODULE_NOT_FOUND. The bin is run where a clone has it
 * (packages/app/bin/fm.js, with no dist/ beside it), through a symlink as npm links
 * node_modules/.bin/fm (what `npx fm` runs).
 */
const ROOT = path.resolve(import.meta.dirname, "../..")
const clone = fs.mkdtempSync(path.join(os.tmpdir(), "fm-unbuilt-"))
afterAll(() => fs.rmSync(clone, { recursive: true, force: true }))

describe("fm before npm run build", () => {
  it("dist/ is not committed, so a clean clone has no bundle", () => {
    const ignored = spawnSync("git", ["check-ignore", "-q", "packages/app/dist/bundle/fm.js"], { cwd: ROOT })
    expect(ignored.status).toBe(0)
  })

  it("says in one sentence to run npm run build, exit 1, through the bin and npm's .bin link", () => {
    fs.mkdirSync(path.join(clone, "packages/app/bin"), { recursive: true })
    fs.copyFileSync(path.join(ROOT, "packages/app/bin/fm.js"), path.join(clone, "packages/app/bin/fm.js"))
    fs.writeFileSync(path.join(clone, "packages/app/package.json"), JSON.stringify({ type: "module" }))
    fs.mkdirSync(path.join(clone, "node_modules/.bin"), { recursive: true })
    fs.symlinkSync("../../packages/app/bin/fm.js", path.join(clone, "node_modules/.bin/fm"))
    for (const entry of ["packages/app/bin/fm.js", "node_modules/.bin/fm"]) {
      const r = spawnSync(process.execPath, [path.join(clone, entry), "--version"], { cwd: clone, encoding: "utf8" })
      expect(r.stdout, entry).toBe("")
      expect(r.stderr, entry).toBe("fm is not built yet: run `npm run build` in the repository first (`npm start` builds and runs the demonstration).\n")
      expect(r.status, entry).toBe(1)
    }
  })

  it("once built, the same bin runs the program", () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, "packages/app/bin/fm.js"), "--version"], { encoding: "utf8" })
    expect(r.stdout.trim()).toBe("fm v0.1.0")
  })
})
