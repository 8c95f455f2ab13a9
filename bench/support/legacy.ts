import type { Sitrep } from "@fm-rendezvous/domain"
import { sql } from "./data.ts"
import type { BenchDatabase } from "./server.ts"

/**
 * Today's storage before issue 19, emulated side by side in the same database: a scratch table
 * `legacy_request` shaped like the pre-issue-19 `sitrep_request` with its primary key
 * (sitrep_id, kind, id): one row per request per version that carries it.
 */
export const createLegacyTable = (db: BenchDatabase) =>
  sql(db, (s) =>
    s.unsafe(`CREATE TABLE legacy_request (sitrep_id UUID NOT NULL, kind TEXT NOT NULL, id UUID NOT NULL,
      case_position INT4 NOT NULL, position INT4 NOT NULL, case_id UUID NOT NULL, body JSONB NOT NULL,
      entered_at_generation INT8, PRIMARY KEY (sitrep_id, kind, id))`))

/** The old copy-every-request INSERT of one published version: every request it carries, copied into `legacy_request`. */
export const copyLegacyVersion = (db: BenchDatabase, s: Pick<Sitrep, "id">) =>
  sql(db, (q) =>
    q`INSERT INTO legacy_request SELECT ${s.id}, r.kind, r.id, 0, row_number() OVER () - 1, r.case_id, r.body, r.entered_at_generation
      FROM lineage_request r JOIN sitrep_generation g ON g.kind = r.kind AND g.sitrep_id = ${s.id}
      WHERE r.entered_at_generation <= g.generation AND (r.dropped_at_generation IS NULL OR r.dropped_at_generation > g.generation)`)
