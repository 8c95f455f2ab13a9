import * as NodeServices from "@effect/platform-node/NodeServices"
import { Effect, FileSystem, Path } from "effect"
import {
  APP_FLAGS,
  chownTree,
  fail,
  freePort,
  type Ids,
  initialise,
  loadBinaries,
  pathKey,
  pollUntil,
  reachable,
  readRunning,
  runAsIds,
  start,
  stop,
  tempDir
} from "./postgresProcess.ts"

export { EmbeddedDatabaseError } from "./postgresProcess.ts"

/**
 * The embedded PostgreSQL of SPEC 7.2: kept under ./.fm-rendezvous/, created on first use, started
 * on demand, stopped cleanly when the command that started it ends, reused next time. Both entry
 * points provide the Node platform services themselves, so callers need only a Scope.
 */

/**
 * Where the cluster's files live: ./.fm-rendezvous/pgdata, unless the server's OS user cannot
 * reach that directory (running as root in a home directory only root may enter). Then the files
 * go to a directory of the temp dir named after the project path, and a note in
 * ./.fm-rendezvous/ says where; it is still reused from one run to the next.
 */
const dataDirectory = (root: string, ids: Ids) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const local = path.join(root, "pgdata")
    if (ids.uid === undefined || (yield* reachable(path.dirname(root), ids))) return local
    const elsewhere = path.join(tempDir, `fm-rendezvous-${pathKey(root)}`)
    yield* fs.makeDirectory(elsewhere, { recursive: true })
    yield* chownTree(elsewhere, ids)
    yield* fs.makeDirectory(root, { recursive: true })
    yield* fs.writeFileString(
      path.join(root, "README"),
      `The embedded PostgreSQL files are in ${elsewhere}/pgdata: the postgres OS user cannot reach this directory.\n`
    )
    return path.join(elsewhere, "pgdata")
  }).pipe(Effect.mapError((e) => fail(`The embedded PostgreSQL cannot place its files for ${root}: ${e.message}`)))

/** The server of `dataDir` once it is not starting: running, or not (undefined). */
const settled = (dataDir: string) =>
  pollUntil("start", Effect.map(readRunning(dataDir), (r) => (r === "starting" ? undefined : r ?? ("gone" as const))), "60 seconds").pipe(
    Effect.map((r) => (r === "gone" ? undefined : r))
  )

/**
 * A scoped embedded server: its URL while the scope is open. A server another fm process started
 * is used as it is and left running; one this process started is stopped when the scope closes.
 */
export const embeddedPostgres = (root: string) =>
  Effect.gen(function*() {
    const ids = yield* runAsIds
    const bin = yield* loadBinaries(ids)
    const dataDir = yield* dataDirectory(root, ids)
    yield* initialise(bin, root, dataDir, ids)
    let running = yield* settled(dataDir)
    if (running === undefined) {
      const port = yield* freePort
      const started = yield* Effect.acquireRelease(start(bin, dataDir, ids, { port, flags: APP_FLAGS }), ({ owned }) =>
        owned ? stop(bin, dataDir, ids) : Effect.void)
      running = started.running
    }
    return `postgres://postgres@127.0.0.1:${running.port}/postgres`
  }).pipe(
    // A file or process the platform could not handle is the embedded database failing to start.
    Effect.catchTag("PlatformError", (e) => Effect.fail(fail(`The embedded PostgreSQL could not be started: ${e.message}`))),
    Effect.provide(NodeServices.layer)
  )

/** Removes an embedded cluster entirely (stopping its server first): `fm simulate` starts afresh. */
export const resetEmbedded = (root: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const ids = yield* runAsIds
    const dataDir = yield* dataDirectory(root, ids)
    if ((yield* readRunning(dataDir)) !== undefined) yield* stop(yield* loadBinaries(ids), dataDir, ids)
    yield* Effect.all([fs.remove(dataDir, { recursive: true, force: true }), fs.remove(root, { recursive: true, force: true })]).pipe(
      Effect.mapError((e) => fail(`Cannot remove ${root}: ${e.message}`))
    )
  }).pipe(Effect.provide(NodeServices.layer))
