import { afterAll, beforeAll } from "vitest"
import { portContract } from "../contract/ports.contract.ts"
import { createTestDatabase } from "../support/postgres.ts"
import { sqlTarget } from "./fixtures.ts"

// The port contract, unchanged, on PostgreSQL: each test gets a fresh schema in this file's database.
let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined
let url = ""
beforeAll(async () => {
  db = await createTestDatabase()
  url = db.url
})
afterAll(async () => {
  await db?.drop()
})

portContract({ get name() { return "postgresql" }, get layer() { return sqlTarget(url).layer } })
