import { afterAll, beforeAll, it } from "vitest"
import { runModel } from "../model/model.ts"
import { createTestDatabase } from "../support/postgres.ts"
import { sqlTarget } from "./fixtures.ts"

// The model-based test on PostgreSQL: fewer histories than in memory (each builds a fresh
// schema), at least 100 (issue 3).
const runs = Math.max(100, Number(process.env["FM_SQL_MODEL_RUNS"] ?? 100))

let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined
beforeAll(async () => {
  db = await createTestDatabase()
})
afterAll(async () => {
  await db?.drop()
})

it(`model-based: every SPEC section 4 invariant holds over ${runs} generated histories (postgresql)`, async () => {
  await runModel(sqlTarget(db!.url), runs)
}, 900_000)
