import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Effect } from "effect"
import { chownTree, freePort, initialise, loadBinaries, runAsIds, start, stop } from "@fm-rendezvous/app/database/postgresProcess"

/**
 * A throwaway PostgreSQL cluster of its own, for tests and benchmarks: created in the temp dir
 * (where the postgres OS user can always reach it), stopped and started again on the same port
 * (a fault test restarts it under a running daemon), removed with its files.
 */
export interface PrivateCluster {
  readonly url: string
  readonly port: number
  /** Fast shutdown: every session is closed at once; the files are kept. */
  readonly stop: () => Promise<void>
  /** Starts it again on the same port and files. */
  readonly start: () => Promise<void>
  /** Stops it and removes its files. */
  readonly remove: () => Promise<void>
}

export const startPrivateCluster = (name: string, flags: ReadonlyArray<string>): Promise<PrivateCluster> =>
  Effect.runPromise(Effect.gen(function*() {
    const ids = yield* runAsIds
    const bin = yield* loadBinaries(ids)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `fm-cluster-${name}-`))
    fs.chmodSync(dir, 0o755)
    chownTree(dir, ids)
    const dataDir = path.join(dir, "pgdata")
    yield* initialise(bin, dir, dataDir, ids)
    const port = yield* freePort
    const launch = Effect.map(start(bin, dataDir, ids, { port, flags }), (s) => s.running.pid)
    let pid = yield* launch
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      stop: () => Effect.runPromise(stop(pid, true)),
      start: () => Effect.runPromise(launch).then((p) => void (pid = p)),
      remove: async () => {
        await Effect.runPromise(stop(pid, true))
        fs.rmSync(dir, { recursive: true, force: true })
      }
    }
  }))

/** Server settings for tests: many connections, durability off. */
export const TEST_FLAGS: ReadonlyArray<string> = ["-c", "max_connections=200", "-c", "fsync=off", "-c", "synchronous_commit=off"]
