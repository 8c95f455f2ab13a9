import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { defaultSqlKinds, hasState, type SqlKind } from "./kind.ts"

/**
 * Versioned migrations that survive a crash anywhere (docs/SQL.md, "Migrations"). Each component
 * (the core tables, and each resource kind) has its own track of numbered versions and its own row
 * in `fm_schema_version`. A version is a list of statements, and each statement is a step of its
 * own: ONE DDL statement, or ONE data move, never both, each run by itself (CockroachDB refuses to
 * use a column added in the same transaction, aborts an explicit READ COMMITTED transaction on
 * DDL, and from v25.1 commits before each DDL anyway). Every step is idempotent (IF NOT EXISTS,
 * IF EXISTS, an UPDATE that skips rows already moved), and the steps of the version in progress
 * that are done are recorded in `fm_schema_step` after each one, so a migration killed at any
 * point re-runs at most the step it was in, and a data move never re-runs after the DROP that
 * follows it. Adding a kind adds a track, not a step here.
 */
export interface MigrationStep {
  readonly version: number
  readonly name: string
  /** Each one a step: one DDL statement or one data move, idempotent. */
  readonly statements: ReadonlyArray<string>
}

export interface MigrationTrack {
  readonly component: string
  readonly steps: ReadonlyArray<MigrationStep>
}

export const coreTrack: MigrationTrack = {
  component: "core",
  steps: [
    {
      version: 1,
      name: "sitreps, history, cases and requests",
      statements: [
        `CREATE TABLE IF NOT EXISTS sitrep (
          id UUID PRIMARY KEY,
          parent_id UUID,
          creator_id TEXT NOT NULL,
          time_created TIMESTAMPTZ NOT NULL,
          comment TEXT NOT NULL
        )`,
        // History is dense (SPEC 2): versions 1, 2, 3...; pruning trims its oldest end.
        `CREATE TABLE IF NOT EXISTS sitrep_history (
          version INT8 PRIMARY KEY CHECK (version >= 1),
          sitrep_id UUID NOT NULL,
          CONSTRAINT sitrep_history_sitrep_key UNIQUE (sitrep_id)
        )`,
        // The current sitrep: one row, moved by the publish CAS with an UPDATE. That UPDATE is what
        // a guarded creation's FOR SHARE lock waits for, or sees, when a publish races with it
        // (docs/SQL.md). A separate table because CockroachDB refuses two modifications of one
        // table in one statement.
        `CREATE TABLE IF NOT EXISTS sitrep_current (
          singleton BOOL PRIMARY KEY DEFAULT TRUE CHECK (singleton),
          version INT8 NOT NULL CHECK (version >= 1),
          sitrep_id UUID NOT NULL
        )`,
        `CREATE TABLE IF NOT EXISTS sitrep_generation (
          sitrep_id UUID NOT NULL,
          kind TEXT NOT NULL,
          generation INT8 NOT NULL CHECK (generation >= 1),
          PRIMARY KEY (sitrep_id, kind)
        )`,
        `CREATE TABLE IF NOT EXISTS sitrep_case (
          sitrep_id UUID NOT NULL,
          position INT4 NOT NULL,
          id UUID NOT NULL,
          comment TEXT NOT NULL,
          closed BOOL NOT NULL,
          first_sitrep_id UUID NOT NULL,
          closed_sitrep_id UUID,
          request_kinds JSONB NOT NULL,
          PRIMARY KEY (sitrep_id, position)
        )`,
        `CREATE TABLE IF NOT EXISTS sitrep_request (
          sitrep_id UUID NOT NULL,
          kind TEXT NOT NULL,
          id UUID NOT NULL,
          case_position INT4 NOT NULL,
          position INT4 NOT NULL,
          case_id UUID NOT NULL,
          body JSONB NOT NULL,
          PRIMARY KEY (sitrep_id, kind, id)
        )`,
        // knownRequestIds looks ids up across every stored sitrep (SPEC 2: ids never reappear).
        `CREATE INDEX IF NOT EXISTS sitrep_request_by_id ON sitrep_request (kind, id)`
      ]
    },
    {
      version: 2,
      name: "execution progress and activation reports",
      statements: [
        `CREATE TABLE IF NOT EXISTS execution_progress (
          kind TEXT PRIMARY KEY,
          executed_generation INT8,
          executed_at TIMESTAMPTZ,
          executed_by TEXT,
          swept_generation INT8,
          swept_at TIMESTAMPTZ,
          swept_by TEXT
        )`,
        `CREATE TABLE IF NOT EXISTS activation_report (
          executor TEXT PRIMARY KEY,
          report JSONB NOT NULL,
          saved_at TIMESTAMPTZ NOT NULL
        )`
      ]
    },
    {
      version: 3,
      name: "the generation at which each request entered the lineage",
      statements: [
        // Issue 13: written by every publish (carried from the parent, or the child's generation
        // for a new request). Rows written before this step stay NULL, read as their sitrep's
        // generation for the kind: an upper bound, so a delta activation executes them.
        `ALTER TABLE sitrep_request ADD COLUMN IF NOT EXISTS entered_at_generation INT8
          CHECK (entered_at_generation >= 1)`
      ]
    }
  ]
}

/**
 * API tokens (SPEC 8.2): a table of their own on a migration track of their own, so the core
 * and kind tracks are not touched. Only the SHA-256 digest is stored; the lookup part of a token
 * is unique and indexed, so authenticating a request is one primary-key-like read.
 */
export const tokenTrack: MigrationTrack = {
  component: "tokens",
  steps: [{
    version: 1,
    name: "API tokens",
    statements: [
      `CREATE TABLE IF NOT EXISTS fm_api_token (
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
        lookup TEXT NOT NULL,
        digest TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ,
        last_used_at TIMESTAMPTZ,
        revoked_at TIMESTAMPTZ,
        CONSTRAINT fm_api_token_pkey PRIMARY KEY (name),
        CONSTRAINT fm_api_token_lookup_key UNIQUE (lookup)
      )`
    ]
  }]
}

/**
 * Per-kind records of the lineage (issue 18), on a track of their own so the core and kind tracks
 * are not touched: the highest generation each kind ever had (publishing continues a kind above
 * it, so a generation never goes back when a kind leaves the sitreps and returns).
 */
export const lineageTrack: MigrationTrack = {
  component: "lineage",
  steps: [{
    version: 1,
    name: "the highest generation each kind ever had",
    statements: [
      `CREATE TABLE IF NOT EXISTS kind_generation_high (
        kind TEXT PRIMARY KEY,
        highest_generation INT8 NOT NULL CHECK (highest_generation >= 1)
      )`,
      // From what is stored now (a one-off: a migration may read a whole table): later publishes
      // raise it. Idempotent: re-running only raises values to what they already are.
      `INSERT INTO kind_generation_high (kind, highest_generation)
        SELECT kind, max(generation) FROM sitrep_generation GROUP BY kind
        ON CONFLICT (kind) DO UPDATE SET highest_generation = GREATEST(kind_generation_high.highest_generation, excluded.highest_generation)`
    ]
  }]
}

/** The tables of one resource kind, built from its descriptor. */
export const kindTrack = (k: SqlKind): MigrationTrack => {
  const columns = k.columns.map((c) => `${c.column} ${c.type === "jsonb" ? "JSONB" : "TEXT"}`)
  const state = hasState(k) ? ["state TEXT NOT NULL"] : []
  return {
    component: `kind:${k.kind.name}`,
    steps: [{
      version: 1,
      name: `${k.kind.plural}: resources, creation markers, GC candidates`,
      statements: [
        `CREATE TABLE IF NOT EXISTS ${k.resourceTable} (
          id UUID NOT NULL,
          case_id UUID,
          time_created TIMESTAMPTZ NOT NULL,
          ${[...state, ...columns].join(",\n          ")}${state.length + columns.length > 0 ? "," : ""}
          CONSTRAINT ${k.resourceTable}_pkey PRIMARY KEY (id)
        )`,
        ...(hasState(k)
          ? [`CREATE INDEX IF NOT EXISTS ${k.resourceTable}_by_state ON ${k.resourceTable} (state, id)`]
          : []),
        `CREATE TABLE IF NOT EXISTS ${k.markerTable} (
          resource_id UUID NOT NULL,
          created_at_generation INT8 NOT NULL CHECK (created_at_generation >= 1),
          time_created TIMESTAMPTZ NOT NULL,
          time_deleted TIMESTAMPTZ,
          deleted_by TEXT,
          CONSTRAINT ${k.markerTable}_pkey PRIMARY KEY (resource_id)
        )`,
        // Version 1's separate GC candidate ledger; version 2 folds it into the markers.
        `CREATE TABLE IF NOT EXISTS ${k.legacyCandidateTable} (
          resource_id UUID NOT NULL,
          dropped_at_generation INT8 NOT NULL CHECK (dropped_at_generation >= 1),
          CONSTRAINT ${k.legacyCandidateTable}_pkey PRIMARY KEY (resource_id)
        )`,
        `CREATE INDEX IF NOT EXISTS ${k.legacyCandidateTable}_by_generation
          ON ${k.legacyCandidateTable} (dropped_at_generation, resource_id)`
      ]
    }, {
      version: 2,
      name: `${k.kind.plural}: GC candidates folded into the creation markers`,
      // Four steps: the column, its index, the data move (its own step: CockroachDB cannot use a
      // column in the transaction that added it), then the DROP, recorded done only after the move.
      statements: [
        // SPEC 3.4: the publish that drops an id marks its marker; a sweep pages over the marked
        // markers by (dropped generation, id) up to the held generation, through a partial index
        // that holds only them. One row per collected marker instead of a marker and a candidate.
        `ALTER TABLE ${k.markerTable} ADD COLUMN IF NOT EXISTS dropped_at_generation INT8
          CHECK (dropped_at_generation >= 1)`,
        `CREATE INDEX IF NOT EXISTS ${k.candidateIndex} ON ${k.markerTable} (dropped_at_generation, resource_id)
          WHERE dropped_at_generation IS NOT NULL`,
        // Existing candidates move onto their markers; a candidate without a marker had nothing
        // left to collect. Ids are dropped once, so at most one candidate per marker.
        `UPDATE ${k.markerTable} AS m SET dropped_at_generation = c.dropped_at_generation
          FROM ${k.legacyCandidateTable} AS c
          WHERE c.resource_id = m.resource_id AND m.dropped_at_generation IS NULL`,
        `DROP TABLE IF EXISTS ${k.legacyCandidateTable}`
      ]
    }]
  }
}

export interface AppliedStep {
  readonly component: string
  readonly version: number
  readonly name: string
}

const versionTable = `CREATE TABLE IF NOT EXISTS fm_schema_version (
  component TEXT PRIMARY KEY,
  version INT8 NOT NULL,
  applied_at TIMESTAMPTZ NOT NULL
)`

/** Of the version in progress of each component, how many of its steps are done. */
const stepTable = `CREATE TABLE IF NOT EXISTS fm_schema_step (
  component TEXT PRIMARY KEY,
  version INT8 NOT NULL,
  done INT8 NOT NULL
)`

/** The version each component is at (0 when never migrated). */
export const schemaVersions = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql.unsafe(versionTable)
  const rows = yield* sql<{ component: string; version: bigint }>`SELECT component, version FROM fm_schema_version`
  return new Map(rows.map((r) => [r.component, Number(r.version)]))
})

const stepsDone = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql.unsafe(stepTable)
  const rows = yield* sql<{ component: string; version: bigint; done: bigint }>`SELECT component, version, done FROM fm_schema_step`
  return new Map(rows.map((r) => [r.component, { version: Number(r.version), done: Number(r.done) }]))
})

/**
 * Brings the schema to the newest version of every track (or, for tests of upgrades, to
 * `targets[component]`). Returns the versions it completed; an up-to-date schema runs none. Run
 * one migrator at a time (`fm db migrate`).
 */
export const migrate = (
  kinds: ReadonlyArray<SqlKind> = defaultSqlKinds,
  targets: Readonly<Record<string, number>> = {}
) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const applied: Array<AppliedStep> = []
    const tracks = [coreTrack, ...kinds.map(kindTrack), tokenTrack, lineageTrack]
    const versions = yield* schemaVersions
    const progress = yield* stepsDone
    for (const track of tracks) {
      const target = targets[track.component] ?? Number.MAX_SAFE_INTEGER
      for (const step of track.steps) {
        if (step.version <= (versions.get(track.component) ?? 0) || step.version > target) continue
        const partial = progress.get(track.component)
        const from = partial?.version === step.version ? partial.done : 0
        for (let i = from; i < step.statements.length; i++) {
          yield* sql.unsafe(step.statements[i]!)
          yield* sql`INSERT INTO fm_schema_step (component, version, done)
            VALUES (${track.component}, ${BigInt(step.version)}, ${BigInt(i + 1)})
            ON CONFLICT (component) DO UPDATE SET version = excluded.version, done = excluded.done`
        }
        // Monotonic: a database that got further (a newer release migrated it) is never set back.
        yield* sql`INSERT INTO fm_schema_version (component, version, applied_at)
          VALUES (${track.component}, ${BigInt(step.version)}, now())
          ON CONFLICT (component) DO UPDATE SET version = excluded.version, applied_at = excluded.applied_at
          WHERE fm_schema_version.version < excluded.version`
        applied.push({ component: track.component, version: step.version, name: step.name })
      }
    }
    return applied
  })
