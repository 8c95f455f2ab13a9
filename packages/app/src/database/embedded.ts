import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Effect } from "effect"
import {
  chownTree,
  fail,
  type Ids,
  initialise,
  loadBinaries,
  reachable,
  readRunning,
  runAsIds,
  start,
  stop,
  waitUntil
} from "./postgresProcess.ts"

export { EmbeddedDatabaseError } from "./postgresProcess.ts"

/**
 * The embedded PostgreSQL of SPEC 7.2: kept under ./.fm-rendezvous/, created on first use, started
 * on demand, stopped cleanly when the command that started it ends, reused next time.
 */

/**
 * Where the cluster's files live: ./.fm-rendezvous/pgdata, unless the server's OS user cannot
 * reach that directory (running as root in a home directory only root may enter). Then the files
 * go to a directory of the temp dir named after the project path, and a note in
 * ./.fm-rendezvous/ says where; it is still reused from one run to the next.
 */
const dataDirectory = (root: string, ids: Ids): string => {
  const local = path.join(root, "pgdata")
  if (ids.uid === undefined) return local
  if (reachable(path.dirname(root), ids)) return local
  const key = createHash("sha256").update(root).digest("hex").slice(0, 12)
  const elsewhere = path.join(os.tmpdir(), `fm-rendezvous-${key}`)
  fs.mkdirSync(elsewhere, { recursive: true })
  chownTree(elsewhere, ids)
  fs.mkdirSync(root, { recursive: true })
  fs.writeFileSync(path.join(root, "README"), `The embedded PostgreSQL files are in ${elsewhere}/pgdata: the postgres OS user cannot reach this directory.\n`)
  return path.join(elsewhere, "pgdata")
}

/**
 * A scoped embedded server: its URL while the scope is open. A server another fm process started
 * is used as it is and left running; one this process started is stopped when the scope closes.
 */
export const embeddedPostgres = (root: string) =>
  Effect.gen(function*() {
    const ids = yield* runAsIds
    const bin = yield* loadBinaries(ids)
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
