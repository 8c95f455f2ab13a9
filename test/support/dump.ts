import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"

/**
 * Every row of every table in the database's public schema, as sorted text: two dumps are equal
 * exactly when nothing was written in between (issue 5: "compare a dump before and after").
 * pg_dump is not used: the machine's client (15) refuses to dump the embedded server (18).
 */
export const dumpDatabase = (url: string): Promise<string> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const tables = yield* sql<{ table_name: string }>`
      SELECT table_name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`
    const parts: Array<string> = []
    for (const { table_name } of tables) {
      const rows = yield* sql.unsafe<{ row: string }>(
        `SELECT to_jsonb(t)::text AS row FROM "${table_name.replaceAll("\"", "\"\"")}" t ORDER BY 1`
      )
      parts.push(`${table_name}: ${rows.length} rows`, ...rows.map((r) => r.row))
    }
    return parts.join("\n")
  }).pipe(
    Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })),
    Effect.runPromise
  )
