import * as NodeServices from "@effect/platform-node/NodeServices"
import {
  chownTree,
  freePort,
  initialise,
  loadBinaries,
  runAsIds,
  start,
  stop,
  tempDir
} from "@fm-rendezvous/app/database/postgresProcess"
import { Effect, FileSystem, Path } from "effect"

/**
 * A throwaway PostgreSQL cluster of its own, for tests and benchmarks: created in the temp dir
 * (where the postgres OS user can always reach it), stopped and started again on the same port
 * (a fault test restarts it under a running daemon), removed with its files. Built on the app's
 * process handling (the same binaries, user and pg_ctl calls as `fm`'s embedded database); what
 * is the kit's own is this lifecycle and the Promise surface the test runner and the bench use.
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

/** Server settings for tests: many connections, durability off. */
export const TEST_FLAGS: ReadonlyArray<string> = ["-c", "max_connections=200", "-c", "fsync=off", "-c", "synchronous_commit=off"]

const runNode = <A, E>(effect: Effect.Effect<A, E, NodeServices.NodeServices>) => Effect.runPromise(Effect.provide(effect, NodeServices.layer))

export const startPrivateCluster = (name: string, flags: ReadonlyArray<string> = TEST_FLAGS): Promise<PrivateCluster> =>
  runNode(Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const ids = yield* runAsIds
    const bin = yield* loadBinaries(ids)
    const dir = yield* fs.makeTempDirectory({ directory: tempDir, prefix: `fm-cluster-${name}-` })
    yield* fs.chmod(dir, 0o755)
    yield* chownTree(dir, ids)
    const dataDir = path.join(dir, "pgdata")
    yield* initialise(bin, dir, dataDir, ids)
    const port = yield* freePort
    const launch = start(bin, dataDir, ids, { port, flags })
    yield* launch
    const halt = stop(bin, dataDir, ids, true)
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      stop: () => runNode(halt),
      start: () => runNode(Effect.asVoid(launch)),
      remove: () => runNode(Effect.andThen(halt, fs.remove(dir, { recursive: true, force: true })))
    }
  }))
