import type { TestProject } from "vitest/node"
import { startPrivateCluster } from "@fm-rendezvous/testkit/cluster"

/**
 * The PostgreSQL server the SQL suites share, started once per test run (STACK: tests pass with
 * the machine's server and on a fresh machine). DATABASE_URL wins; without it a private
 * PostgreSQL 18 cluster (the test kit's) runs in the temp dir for the duration of the run. Each test file then creates
 * its own database on it (test/support/postgres.ts), so files run in parallel.
 */
declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string
  }
}

export default async function setup(project: TestProject) {
  const given = process.env["DATABASE_URL"]
  if (given !== undefined && given !== "") {
    project.provide("databaseUrl", given)
    process.env["FM_TEST_DATABASE_URL"] = given
    return
  }
  const server = await startPrivateCluster("cluster")
  project.provide("databaseUrl", server.url)
  process.env["FM_TEST_DATABASE_URL"] = server.url
  return async () => {
    await server.remove()
  }
}
