import { defaultServerConditions } from "vite"
import { defineConfig } from "vitest/config"

// The workspace's packages are imported from their TypeScript sources (the "@fm-rendezvous/source"
// export condition), so tests never run a stale build; consumers get dist/ through "types" and
// "import". Test files resolve in vitest's `ssr` environment, the global setup in `__vitest__`.
const resolve = { conditions: ["@fm-rendezvous/source", ...defaultServerConditions] }

/**
 * The safety suites run a second time under the CockroachDB profile of the SQL adapter
 * (docs/SQL.md): SERIALIZABLE everywhere, no FOR SHARE, generic plans, on PostgreSQL, whose
 * serializable snapshot isolation stands in for CockroachDB's. Of the fault suites, those whose
 * outcome depends on isolation and retries; the reconnection suites (connections, restart) and
 * the failing-kind suite test the daemon's handling of lost servers and broken tables, which the
 * profile does not change, and cost a minute each. A profile that is not the server's is refused;
 * FM_TEST_COCKROACHDB_PROFILE_ON_POSTGRESQL (test machinery, not an operator setting, inherited by
 * the fm processes the suites start) allows this one stand-in.
 */
const profileSuites = [
  "test/sql/concurrency.test.ts",
  "test/sql/races.test.ts",
  "test/sql/model.test.ts",
  "test/sql/contract.test.ts",
  "test/sql/parity.test.ts",
  "test/sql/ambiguous.test.ts",
  "test/sql/explain.test.ts",
  // FM_DATABASE_DIALECT=cockroachdb fm simulate against PostgreSQL: every invariant holds.
  "test/app/simulate.test.ts",
  "test/faults/serialization.test.ts",
  "test/faults/sigkill.test.ts",
  "test/faults/timeouts.test.ts"
]

export default defineConfig({
  environments: { ssr: { resolve }, __vitest__: { resolve } },
  test: {
    globalSetup: ["test/support/globalSetup.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Suites against PostgreSQL share one server; two cores, so keep parallelism modest.
    maxWorkers: 2,
    reporters: process.env.CI ? ["default", ["json", { outputFile: "test-results/vitest.json" }]] : ["default"],
    projects: [
      { extends: true, test: { name: "postgresql", include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"] } },
      {
        extends: true,
        test: { name: "cockroachdb-profile", include: profileSuites, env: { FM_DATABASE_DIALECT: "cockroachdb", FM_TEST_COCKROACHDB_PROFILE_ON_POSTGRESQL: "true" } }
      }
    ]
  }
})
