import { defaultServerConditions } from "vite"
import { defineConfig } from "vitest/config"

// The workspace's packages are imported from their TypeScript sources (the "@fm-rendezvous/source"
// export condition), so tests never run a stale build; consumers get dist/ through "types" and
// "import". Test files resolve in vitest's `ssr` environment, the global setup in `__vitest__`.
const resolve = { conditions: ["@fm-rendezvous/source", ...defaultServerConditions] }

export default defineConfig({
  environments: { ssr: { resolve }, __vitest__: { resolve } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/support/globalSetup.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Suites against PostgreSQL share one server; two cores, so keep parallelism modest.
    maxWorkers: 2,
    reporters: process.env.CI ? ["default", ["json", { outputFile: "test-results/vitest.json" }]] : ["default"]
  }
})
