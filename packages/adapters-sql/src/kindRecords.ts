import type { Generation } from "@fm-rendezvous/domain"
import type { SqlClient } from "effect/sql"
import { textArray } from "./params.ts"

/**
 * Statement builders for the per-kind records of the lineage (issue 18; table from the migrations'
 * `lineage` track). Shared by production and the EXPLAIN tests.
 */
type Sql = SqlClient.SqlClient

/** Every kind's highest generation: one row per kind, a handful of rows. */
export const selectHighestGenerations = (sql: Sql) =>
  sql<{ kind: string; highest_generation: bigint }>`SELECT kind, highest_generation FROM kind_generation_high`

/** Raises each kind's record to the published generation, never lowers it (in the publish's transaction). */
export const raiseHighestGenerations = (sql: Sql, generations: Readonly<Record<string, Generation>>) => {
  const entries = Object.entries(generations)
  return sql`INSERT INTO kind_generation_high (kind, highest_generation)
    SELECT g.kind, CAST(g.generation AS INT8)
    FROM unnest(${textArray(entries.map(([k]) => k))}::text[], ${textArray(entries.map(([, g]) => String(g)))}::text[]) AS g(kind, generation)
    ON CONFLICT (kind) DO UPDATE SET highest_generation = GREATEST(kind_generation_high.highest_generation, excluded.highest_generation)`
}
