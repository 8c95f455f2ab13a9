import { StoreError } from "@fm-rendezvous/domain"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { randomUUID } from "node:crypto"
import { hostname } from "node:os"
import { defaultSqlKinds, hasState, type SqlKind } from "./kind.ts"
import { detectServer } from "./profile.ts"
import { sqlStateOf } from "./sqlstate.ts"

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
/**
 * A step whose statement has no idempotent form in the common subset (PostgreSQL has no `ADD
 * CONSTRAINT IF NOT EXISTS`): skipped when `unlessFound` returns a row.
 */
export interface GuardedStatement {
  readonly statement: string
  readonly unlessFound: string
}

/**
 * A data move run as many statements of its own, each moving one page and returning what it
 * moved, until one moves nothing; a kill between two pages leaves the moved pages, and the re-run
 * goes on.
 */
export interface PagedStatement {
  readonly page: string
}

/** Each one a step: one DDL statement, a guarded one, or a data move in pages; idempotent. */
export type MigrationStatement = string | GuardedStatement | PagedStatement

export interface MigrationStep {
  readonly version: number
  readonly name: string
  /** Each one a step: one DDL statement or one data move, idempotent. */
  readonly statements: ReadonlyArray<MigrationStatement>
}

const textOf = (s: MigrationStatement): string => (typeof s === "string" ? s : "page" in s ? s.page : s.statement)

/**
 * A CHECK constraint as a step of its own (issue 20, item 4): CockroachDB turns a CHECK written
 * inline in `ADD COLUMN IF NOT EXISTS` into a separate constraint, and whether a re-run skips it is
 * undocumented. Named as PostgreSQL names an inline one (`<table>_<column>_check`), so a database
 * whose column was added with the inline CHECK by an earlier release skips the step on PostgreSQL.
 */
export const addCheck = (table: string, column: string, condition: string): GuardedStatement => {
  const name = `${table}_${column}_check`
  return {
    statement: `ALTER TABLE ${table} ADD CONSTRAINT ${name} CHECK (${condition})`,
    unlessFound: `SELECT 1 FROM information_schema.table_constraints
      WHERE table_schema = current_schema() AND table_name = '${table}' AND constraint_name = '${name}'`
  }
}

/**
 * Core version 4's data move, one page of 1,000 (kind, id) pairs of `sitrep_request` after the
 * last one moved (the largest key of `lineage_request`: pages commit in key order, and nothing
 * else writes that table while the migrator runs, executors and publishers stopped). Per pair:
 * entered at the entry generation recorded (core step 3) or, for rows older than that column, the
 * generation of its oldest carrier (every carrier has a generation at least that, and a version
 * with that generation carries the same requests); dropped at the generation of the history
 * successor of its newest carrier, NULL when that is the current sitrep (no successor); the case,
 * position and body of its oldest carrier (one row: a version holds a (kind, id) once; the
 * `LIMIT 1` keeps PostgreSQL from turning the lateral read into a merge join over all of
 * `sitrep_request` for every page, which the EXPLAIN test caught). The digest stays NULL
 * (unknown): a publish compares such a body itself.
 */
const moveRequestsPage = `INSERT INTO lineage_request
    (kind, id, entered_at_generation, dropped_at_generation, case_id, position, body, digest)
  SELECT p.kind, p.id,
    COALESCE(span.entered, span.oldest_generation),
    (SELECT g.generation FROM sitrep_history h JOIN sitrep_generation g ON g.sitrep_id = h.sitrep_id AND g.kind = p.kind
      WHERE h.version = span.newest_version + 1),
    first.case_id, first.position, first.body, NULL
  FROM (
    SELECT DISTINCT r.kind, r.id FROM sitrep_request r
    WHERE (r.kind, r.id) > (
      COALESCE((SELECT l.kind FROM lineage_request l ORDER BY l.kind DESC, l.id DESC LIMIT 1), ''),
      COALESCE((SELECT l.id FROM lineage_request l ORDER BY l.kind DESC, l.id DESC LIMIT 1),
        CAST('00000000-0000-0000-0000-000000000000' AS UUID)))
    ORDER BY r.kind, r.id LIMIT 1000
  ) AS p
  CROSS JOIN LATERAL (
    SELECT min(r.entered_at_generation) AS entered, min(g.generation) AS oldest_generation,
      min(h.version) AS oldest_version, max(h.version) AS newest_version
    FROM sitrep_request r
    JOIN sitrep_history h ON h.sitrep_id = r.sitrep_id
    JOIN sitrep_generation g ON g.sitrep_id = r.sitrep_id AND g.kind = r.kind
    WHERE r.kind = p.kind AND r.id = p.id
  ) AS span
  CROSS JOIN LATERAL (
    SELECT r.case_id, r.position, r.body FROM sitrep_request r JOIN sitrep_history h ON h.sitrep_id = r.sitrep_id
    WHERE r.kind = p.kind AND r.id = p.id AND h.version = span.oldest_version
    LIMIT 1
  ) AS first
  ORDER BY p.kind, p.id
  RETURNING id`

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
        `ALTER TABLE sitrep_request ADD COLUMN IF NOT EXISTS entered_at_generation INT8`,
        // Its CHECK, a step of its own (appended, so a database left mid-version keeps its step count).
        addCheck("sitrep_request", "entered_at_generation", "entered_at_generation >= 1")
      ]
    },
    {
      version: 4,
      name: "each request stored once, with the generations it was carried for",
      // Issue 19. History is one lineage and a request is immutable and never reappears once
      // dropped, so it is carried for one contiguous interval of its kind's generations: one row
      // per (kind, id), entered at one generation and dropped at a later one (NULL while carried).
      // A version carries the rows whose interval holds its generation (docs/SQL.md, "The
      // interval rule"). Steps: the table, its indexes, the generation index, the data move in
      // pages (each page its own statement), then the DROP of the per-version table.
      statements: [
        `CREATE TABLE IF NOT EXISTS lineage_request (
          kind TEXT NOT NULL,
          id UUID NOT NULL,
          entered_at_generation INT8 NOT NULL CHECK (entered_at_generation >= 1),
          dropped_at_generation INT8 CHECK (dropped_at_generation > entered_at_generation),
          case_id UUID NOT NULL,
          position INT4 NOT NULL,
          body JSONB NOT NULL,
          digest TEXT,
          CONSTRAINT lineage_request_pkey PRIMARY KEY (kind, id)
        )`,
        // A version's requests of a kind, in their defined order (entered generation, position).
        `CREATE INDEX IF NOT EXISTS lineage_request_by_entry
          ON lineage_request (kind, entered_at_generation, position)`,
        // The rows a publish dropped: an executor's move by the delta, and pruning.
        `CREATE INDEX IF NOT EXISTS lineage_request_dropped
          ON lineage_request (kind, dropped_at_generation, id) WHERE dropped_at_generation IS NOT NULL`,
        // The sitrep that reached a generation (the backlog gauge's drop time).
        `CREATE INDEX IF NOT EXISTS sitrep_generation_by_kind ON sitrep_generation (kind, generation)`,
        { page: moveRequestsPage },
        `DROP TABLE IF EXISTS sitrep_request`
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
  }, {
    version: 2,
    name: "when each kind was last reconciled",
    statements: [
      // Shared by every executor: a routine activation reconciles a kind nobody reconciled within
      // FM_RECONCILE_INTERVAL, so restarts and one-shot runs cannot dodge it.
      `CREATE TABLE IF NOT EXISTS kind_reconciliation (
        kind TEXT PRIMARY KEY,
        reconciled_at TIMESTAMPTZ NOT NULL,
        reconciled_by TEXT NOT NULL
      )`
    ]
  }]
}

/**
 * The audit record of operator actions and who published each sitrep (issue 25), on a track of
 * their own so the core, kind, token and lineage tracks are not touched. One DDL per step.
 */
export const auditTrack: MigrationTrack = {
  component: "audit",
  steps: [{
    version: 1,
    name: "the audit record of operator actions, and who published each sitrep",
    statements: [
      // Append-only; pruned by age (FM_AUDIT_RETENTION). No foreign keys: an entry outlives what it names.
      `CREATE TABLE IF NOT EXISTS fm_audit (
        id UUID NOT NULL,
        at TIMESTAMPTZ NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        kind TEXT,
        subject TEXT NOT NULL,
        version INT8,
        outcome TEXT NOT NULL,
        detail JSONB NOT NULL,
        CONSTRAINT fm_audit_pkey PRIMARY KEY (id)
      )`,
      // Newest first over everything, `--since`, and the retention prune (oldest first).
      `CREATE INDEX IF NOT EXISTS fm_audit_by_time ON fm_audit (at, id)`,
      // What happened to one id (`fm audit --id`, `fm explain`).
      `CREATE INDEX IF NOT EXISTS fm_audit_by_subject ON fm_audit (subject, at, id)`,
      // What one actor did (`fm audit --by`).
      `CREATE INDEX IF NOT EXISTS fm_audit_by_actor ON fm_audit (actor, at, id)`,
      // Issue 25.4: the publisher is the grant's actor, not the document's creatorId; a sitrep
      // published before this step has no row (not recorded). A table of its own rather than a
      // column of \`sitrep\`: it leaves the core track alone, and a wider \`sitrep\` row changed the
      // plans of the history page on the test tables' default estimates.
      `CREATE TABLE IF NOT EXISTS sitrep_publisher (
        sitrep_id UUID NOT NULL,
        published_by TEXT NOT NULL,
        CONSTRAINT sitrep_publisher_pkey PRIMARY KEY (sitrep_id)
      )`
    ]
  }]
}

/**
 * Executor name leases (issue 25, item 7), on a track of their own: one row per executor name,
 * the process that holds it (host, pid, a random instance id), when it took it, when it last
 * renewed it, when it expires (the database's clock) and when it was released.
 */
export const executorTrack: MigrationTrack = {
  component: "executors",
  steps: [{
    version: 1,
    name: "executor name leases",
    statements: [
      `CREATE TABLE IF NOT EXISTS executor_lease (
        executor TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INT8 NOT NULL,
        instance TEXT NOT NULL,
        started_at TIMESTAMPTZ NOT NULL,
        renewed_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL,
        released_at TIMESTAMPTZ,
        CONSTRAINT executor_lease_pkey PRIMARY KEY (executor)
      )`
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
      // Five steps: the column, its index, the data move (its own step: CockroachDB cannot use a
      // column in the transaction that added it), the DROP, recorded done only after the move, then the CHECK.
      statements: [
        // SPEC 3.4: the publish that drops an id marks its marker; a sweep pages over the marked
        // markers by (dropped generation, id) up to the held generation, through a partial index
        // that holds only them. One row per collected marker instead of a marker and a candidate.
        `ALTER TABLE ${k.markerTable} ADD COLUMN IF NOT EXISTS dropped_at_generation INT8`,
        `CREATE INDEX IF NOT EXISTS ${k.candidateIndex} ON ${k.markerTable} (dropped_at_generation, resource_id)
          WHERE dropped_at_generation IS NOT NULL`,
        // Existing candidates move onto their markers; a candidate without a marker had nothing
        // left to collect. Ids are dropped once, so at most one candidate per marker.
        `UPDATE ${k.markerTable} AS m SET dropped_at_generation = c.dropped_at_generation
          FROM ${k.legacyCandidateTable} AS c
          WHERE c.resource_id = m.resource_id AND m.dropped_at_generation IS NULL`,
        `DROP TABLE IF EXISTS ${k.legacyCandidateTable}`,
        // The column's CHECK, a step of its own, last: the indexes of the steps before it are those
        // an earlier release recorded.
        addCheck(k.markerTable, "dropped_at_generation", "dropped_at_generation >= 1")
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

/**
 * The migration lock: a lease row, not an advisory lock (CockroachDB has none). One migrator holds
 * it at a time; it is renewed before each step and released at the end; a migrator that died
 * holding it leaves a lease that expires (docs/SQL.md, "Migrations").
 */
const lockTable = `CREATE TABLE IF NOT EXISTS fm_migration_lock (
  singleton BOOL PRIMARY KEY DEFAULT TRUE CHECK (singleton),
  holder TEXT NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL
)`

/** The tables a migration touches (its steps' and its own bookkeeping's), for the schema-change wait. */
export const migrationTables = (tracks: ReadonlyArray<MigrationTrack>): ReadonlyArray<string> => {
  const names = new Set(["fm_schema_version", "fm_schema_step", "fm_migration_lock"])
  for (const track of tracks) {
    for (const step of track.steps) {
      for (const statement of step.statements.map(textOf)) {
        for (const m of statement.matchAll(/\b(?:TABLE(?: IF (?:NOT )?EXISTS)?|ON|UPDATE|FROM)\s+([a-z][a-z0-9_]*)/g)) {
          names.add(m[1]!)
        }
      }
    }
  }
  return [...names].sort()
}

/**
 * CockroachDB: how many schema-change jobs on `tables` have not reached a terminal state. A DDL
 * statement whose client died keeps running there as a job once its transaction committed
 * (online-schema-changes.md; cockroach#17147), and a re-run's `IF NOT EXISTS` can meet its column
 * or index half-added. `SHOW JOBS` (show-jobs.md, "Show schema changes") lists them; its
 * `description` is the statement, with the table named `db.schema.table`. The legacy and the
 * declarative schema changer's jobs both count (`SCHEMA CHANGE`, `NEW SCHEMA CHANGE`); the GC jobs
 * of dropped tables (`SCHEMA CHANGE GC`, which wait out the GC TTL) do not. Table names are the
 * migration's own identifiers ([a-z0-9_]), inlined.
 */
export const runningSchemaChanges = (tables: ReadonlyArray<string>): string => {
  const patterns = tables.flatMap((t) => [`'%.${t} %'`, `'%.${t}'`]).join(", ")
  return `WITH x AS (SHOW JOBS) SELECT count(*) AS running FROM x
    WHERE job_type IN ('SCHEMA CHANGE', 'NEW SCHEMA CHANGE')
      AND status NOT IN ('succeeded', 'failed', 'canceled', 'revert-failed')
      AND description LIKE ANY (ARRAY[${patterns}])`
}

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

export interface MigrateOptions {
  /** How long the migration lock is held without a renewal (renewed before each step). Default 60 s. */
  readonly leaseMillis?: number
  /** How often a migrator waiting for the lock (or, on CockroachDB, for running schema changes) asks again. Default 1 s. */
  readonly pollMillis?: number
  /** Who holds the lock, as stored and named to a waiting migrator (default: host, pid and a random part). */
  readonly holder?: string
}

export const DEFAULT_LEASE_MILLIS = 60_000

const lockLost = (holder: string) =>
  new StoreError({
    message: `the migration lock was taken over by another migrator after this one's lease expired (${holder}); ` +
      "run fm db migrate again once it has finished",
    unavailable: false
  })

/** Takes the migration lock, waiting while another migrator holds an unexpired lease. */
const acquireLock = (holder: string, leaseMillis: number, pollMillis: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe(lockTable)
    let announced = ""
    while (true) {
      const got = yield* sql<{ holder: string }>`INSERT INTO fm_migration_lock (singleton, holder, expires_at)
        VALUES (TRUE, ${holder}, now() + CAST(${leaseMillis} AS INT8) * INTERVAL '1 millisecond')
        ON CONFLICT (singleton) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
        WHERE fm_migration_lock.expires_at < now() OR fm_migration_lock.holder = excluded.holder
        RETURNING holder`
      if (got.length > 0) return
      const other = yield* sql<{ holder: string; expires_at: Date }>`SELECT holder, expires_at FROM fm_migration_lock`
      const now = other[0] === undefined ? "" : `${other[0].holder} until ${other[0].expires_at.toISOString()}`
      if (now !== announced) {
        yield* Effect.logWarning(`waiting for the migration lock, held by ${now}`)
        announced = now
      }
      yield* Effect.sleep(pollMillis)
    }
  })

/** Renews the lease before a step; fails if another migrator took it over meanwhile. */
const renewLock = (holder: string, leaseMillis: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const kept = yield* sql<{ holder: string }>`UPDATE fm_migration_lock
      SET expires_at = now() + CAST(${leaseMillis} AS INT8) * INTERVAL '1 millisecond'
      WHERE holder = ${holder} RETURNING holder`
    if (kept.length === 0) return yield* Effect.fail(lockLost(holder))
  })

const releaseLock = (holder: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql`DELETE FROM fm_migration_lock WHERE holder = ${holder}`)

/** On CockroachDB, waits until no schema-change job on the migration's tables is still running. */
const awaitSchemaChanges = (tables: ReadonlyArray<string>, pollMillis: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const statement = runningSchemaChanges(tables)
    let announced = false
    while (true) {
      const rows = yield* sql.unsafe<{ running: bigint | number | string }>(statement)
      if (Number(rows[0]?.running ?? 0) === 0) return
      if (!announced) yield* Effect.logWarning("waiting for running schema changes on the migration's tables to finish")
      announced = true
      yield* Effect.sleep(pollMillis)
    }
  })

/** Every track this program migrates, in the order they are applied. */
export const tracksOf = (kinds: ReadonlyArray<SqlKind>): ReadonlyArray<MigrationTrack> => [coreTrack, ...kinds.map(kindTrack), tokenTrack, lineageTrack, executorTrack, auditTrack]

/**
 * Brings the schema to the newest version of every track (or, for tests of upgrades, to
 * `targets[component]`). Returns the versions it completed; an up-to-date schema runs none.
 * Migrators exclude each other through the lease row `fm_migration_lock`; the step record only
 * moves forward, so even a migrator that lost its lease cannot set it back below a DROP.
 */
export const migrate = (
  kinds: ReadonlyArray<SqlKind> = defaultSqlKinds,
  targets: Readonly<Record<string, number>> = {},
  options: MigrateOptions = {}
) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const leaseMillis = options.leaseMillis ?? DEFAULT_LEASE_MILLIS
    const pollMillis = options.pollMillis ?? 1_000
    const holder = options.holder ?? `${hostname()} pid ${process.pid} ${randomUUID().slice(0, 8)}`
    const tracks = tracksOf(kinds)
    const cockroach = (yield* detectServer) === "cockroachdb"
    const tables = migrationTables(tracks)
    return yield* Effect.acquireUseRelease(
      acquireLock(holder, leaseMillis, pollMillis),
      () =>
        Effect.gen(function*() {
          const applied: Array<AppliedStep> = []
          // Read only once the lock is held: what another migrator did before is seen.
          const versions = yield* schemaVersions
          const progress = yield* stepsDone
          for (const track of tracks) {
            const target = targets[track.component] ?? Number.MAX_SAFE_INTEGER
            for (const step of track.steps) {
              if (step.version <= (versions.get(track.component) ?? 0) || step.version > target) continue
              const partial = progress.get(track.component)
              // A record of a later version means this one's steps are all done (the record only moves forward).
              const from = partial === undefined || partial.version < step.version
                ? 0
                : partial.version === step.version
                ? partial.done
                : step.statements.length
              for (let i = from; i < step.statements.length; i++) {
                yield* renewLock(holder, leaseMillis)
                if (cockroach) yield* awaitSchemaChanges(tables, pollMillis)
                const statement = step.statements[i]!
                if (typeof statement === "string") yield* sql.unsafe(statement)
                else if ("page" in statement) while ((yield* sql.unsafe(statement.page)).length > 0) { /* the next page */ }
                else if ((yield* sql.unsafe(statement.unlessFound)).length === 0) yield* sql.unsafe(statement.statement)
                // Monotonic: never set back, so a slower migrator cannot undo a faster one's progress.
                yield* sql`INSERT INTO fm_schema_step (component, version, done)
                  VALUES (${track.component}, ${BigInt(step.version)}, ${BigInt(i + 1)})
                  ON CONFLICT (component) DO UPDATE SET version = excluded.version, done = excluded.done
                  WHERE fm_schema_step.version < excluded.version
                    OR (fm_schema_step.version = excluded.version AND fm_schema_step.done < excluded.done)`
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
        }),
      () => Effect.ignore(releaseLock(holder))
    )
  })

/**
 * How the database's schema compares with what this program knows, read without writing (a
 * standby or a not-yet-migrated database must not be touched): `Missing` when never migrated,
 * `Behind` when some component needs `fm db migrate`, `Ahead` when a newer release migrated it
 * (this program cannot run on it: waiting does not heal that), else `Current`.
 */
export type SchemaState =
  | { readonly _tag: "Current" }
  | { readonly _tag: "Missing" }
  | { readonly _tag: "Behind"; readonly component: string; readonly version: number; readonly expected: number }
  | { readonly _tag: "Ahead"; readonly component: string; readonly version: number; readonly known: number }

export const schemaState = (kinds: ReadonlyArray<SqlKind> = defaultSqlKinds) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ component: string; version: bigint }>`SELECT component, version FROM fm_schema_version`.pipe(
      Effect.catchIf((e) => sqlStateOf(e) === "42P01", () => Effect.succeed(null))
    )
    if (rows === null) return { _tag: "Missing" } as SchemaState
    const versions = new Map(rows.map((r) => [r.component, Number(r.version)]))
    const tracks = tracksOf(kinds)
    for (const track of tracks) {
      const known = Math.max(0, ...track.steps.map((s) => s.version))
      const version = versions.get(track.component) ?? 0
      if (version > known) return { _tag: "Ahead", component: track.component, version, known } as SchemaState
    }
    for (const track of tracks) {
      const expected = Math.max(0, ...track.steps.map((s) => s.version))
      const version = versions.get(track.component) ?? 0
      if (version < expected) {
        return (versions.size === 0 ? { _tag: "Missing" } : { _tag: "Behind", component: track.component, version, expected }) as SchemaState
      }
    }
    return { _tag: "Current" } as SchemaState
  })
