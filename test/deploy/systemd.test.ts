import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Duration } from "effect"
import { describe, expect, it } from "vitest"

/**
 * deploy/systemd/: the units that run `fm run` (a template, one instance per executor) and
 * `fm serve` as the installed program, restarted on failure, configured by the environment file,
 * stopped with SIGTERM and time enough for the graceful stop, and hardened. `systemd-analyze
 * verify` checks them where systemd is installed (it needs the program to exist, so the copies it
 * verifies point at the built bin and at the example environment file).
 */
const ROOT = path.resolve(import.meta.dirname, "../..")
const DIR = path.join(ROOT, "deploy/systemd")
const UNITS = { run: "fm-executor@.service", serve: "fm-serve.service" } as const

/** The [Service] settings of a unit: key to every value it is given (systemd allows repeats). */
const serviceOf = (file: string): Map<string, Array<string>> => {
  const settings = new Map<string, Array<string>>()
  let section = ""
  for (const raw of fs.readFileSync(path.join(DIR, file), "utf8").split("\n")) {
    const line = raw.trim()
    if (line === "" || line.startsWith("#")) continue
    const header = /^\[(\w+)\]$/.exec(line)
    if (header !== null) {
      section = header[1]!
      continue
    }
    const [key, ...value] = line.split("=")
    if (section === "Service") settings.set(key!, [...(settings.get(key!) ?? []), value.join("=")])
  }
  return settings
}
const one = (settings: Map<string, Array<string>>, key: string) => {
  const values = settings.get(key) ?? []
  expect(values, key).toHaveLength(1)
  return values[0]!
}
const seconds = (systemdSpan: string) => Number(/^(\d+)s$/.exec(systemdSpan)![1])

/** FM_SHUTDOWN_TIMEOUT as the example environment file sets it, in seconds. */
const shutdownTimeout = () => {
  const line = /^FM_SHUTDOWN_TIMEOUT=(.+)$/m.exec(fs.readFileSync(path.join(DIR, "fm.env"), "utf8"))![1]!
  return Duration.toSeconds(Duration.fromInputUnsafe(line as Duration.Input))
}

const HARDENING: Record<string, string> = {
  NoNewPrivileges: "yes",
  ProtectSystem: "strict",
  ProtectHome: "yes",
  PrivateTmp: "yes",
  PrivateDevices: "yes",
  DynamicUser: "yes",
  ProtectKernelTunables: "yes",
  ProtectKernelModules: "yes",
  ProtectControlGroups: "yes",
  RestrictAddressFamilies: "AF_INET AF_INET6 AF_UNIX",
  RestrictNamespaces: "yes",
  RestrictSUIDSGID: "yes",
  LockPersonality: "yes",
  CapabilityBoundingSet: "",
  SystemCallArchitectures: "native"
}

describe("deploy/systemd: the units", () => {
  it.each(Object.entries(UNITS))("fm %s: the installed program, restarted on failure, the environment file, hardened", (command, file) => {
    const service = serviceOf(file)
    const exec = one(service, "ExecStart")
    expect(exec).toBe(command === "run" ? "/usr/local/bin/fm run --executor %i" : "/usr/local/bin/fm serve")
    expect(one(service, "Restart")).toBe("on-failure")
    expect(one(service, "RestartPreventExitStatus")).toBe("2")
    expect(one(service, "EnvironmentFile")).toBe("/etc/fm-rendezvous/fm.env")
    expect(one(service, "KillSignal")).toBe("SIGTERM")
    for (const [key, value] of Object.entries(HARDENING)) expect(one(service, key), key).toBe(value)
    expect(service.get("SystemCallFilter")).toEqual(["@system-service", "~@privileged @resources"])
  })

  it("give fm serve longer to stop than FM_SHUTDOWN_TIMEOUT (the file's and the default 20 s)", () => {
    const stop = seconds(one(serviceOf(UNITS.serve), "TimeoutStopSec"))
    expect(shutdownTimeout()).toBe(20)
    expect(stop).toBeGreaterThan(shutdownTimeout())
    expect(seconds(one(serviceOf(UNITS.run), "TimeoutStopSec"))).toBeGreaterThan(shutdownTimeout())
  })

  it("pass systemd-analyze verify where systemd is installed", () => {
    if (spawnSync("sh", ["-c", "command -v systemd-analyze"]).status !== 0) {
      console.log("systemd-analyze is not installed: the units were checked by the tests above only")
      return
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fm-units-"))
    try {
      const copy = (file: string, as: string) =>
        fs.writeFileSync(
          path.join(dir, as),
          fs.readFileSync(path.join(DIR, file), "utf8")
            .replaceAll("/usr/local/bin/fm", path.join(ROOT, "packages/app/bin/fm.js"))
            .replaceAll("/etc/fm-rendezvous/fm.env", path.join(DIR, "fm.env"))
        )
      copy(UNITS.run, "fm-executor@nexus-1.service")
      copy(UNITS.serve, UNITS.serve)
      const verify = spawnSync("systemd-analyze", ["verify", path.join(dir, "fm-executor@nexus-1.service"), path.join(dir, UNITS.serve)], {
        encoding: "utf8"
      })
      // verify exits 0 on unknown keys and unparsable values, and only says so: require silence.
      expect(verify.stdout + verify.stderr).toBe("")
      expect(verify.status).toBe(0)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it("and the docs run the daemon and the server the same way: never through npx, which does not pass SIGTERM on", () => {
    for (const doc of ["README.md", "docs/OPERATIONS.md", "deploy/README.md"]) {
      const text = fs.readFileSync(path.join(ROOT, doc), "utf8")
      expect(text.match(/npx fm (run|serve)\b.*/g) ?? [], doc).toEqual([])
    }
    expect(fs.readFileSync(path.join(ROOT, "README.md"), "utf8")).toContain("npx does not pass SIGTERM on")
  })
})
