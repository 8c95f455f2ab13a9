import { alertKind, type Request, type ResourceKind, supportBundleKind } from "@fm-rendezvous/domain"

/**
 * How one kind-specific field of a resource is stored (ARCHITECTURE: resource kinds are data).
 * `field` is the key in `ResourceKind.resourceFields(request)` and in `Resource.fields`.
 */
export interface SqlColumn {
  readonly field: string
  readonly column: string
  /** `text` holds a string or NULL; `jsonb` any JSON value (written as its text, cast per row). */
  readonly type: "text" | "jsonb"
}

/**
 * The SQL side of a resource kind: its tables and the columns its rows have. The generic
 * statements (guarded insert, sweep, delete...) are built from it, so adding a kind adds a
 * descriptor and never touches a loop or a statement builder.
 */
export interface SqlKind {
  readonly kind: ResourceKind
  readonly resourceTable: string
  /**
   * Creation markers, the tombstones (SPEC 2); they outlive the resource row. Each carries the
   * GC candidate mark of SPEC 3.4 (`dropped_at_generation`), indexed by `candidateIndex`.
   */
  readonly markerTable: string
  /** The partial index `(dropped_at_generation, resource_id)` over marked markers. */
  readonly candidateIndex: string
  /**
   * The separate GC candidate ledger of kind track version 1, folded into the markers by version
   * 2. Kept only so migrations can create and drop it; no statement reads it.
   */
  readonly legacyCandidateTable: string
  readonly columns: ReadonlyArray<SqlColumn>
}

const identifier = /^[a-z][a-z0-9_]{0,40}$/

/** A descriptor whose tables are named after `table`: `<table>`, `<table>_marker` (and the legacy `<table>_gc_candidate`). */
export const sqlKind = (kind: ResourceKind, table: string, columns: ReadonlyArray<SqlColumn>): SqlKind => {
  if (!identifier.test(table)) throw new Error(`table name ${table} must be a short lowercase identifier`)
  for (const c of columns) {
    if (!identifier.test(c.column)) throw new Error(`column name ${c.column} must be a short lowercase identifier`)
    if (["id", "case_id", "time_created", "state"].includes(c.column)) throw new Error(`column name ${c.column} is reserved`)
  }
  return {
    kind,
    resourceTable: table,
    markerTable: `${table}_marker`,
    candidateIndex: `${table}_marker_dropped`,
    legacyCandidateTable: `${table}_gc_candidate`,
    columns
  }
}

export const alertSqlKind: SqlKind = sqlKind(alertKind, "alert", [
  { field: "class", column: "class", type: "text" },
  { field: "payload", column: "payload", type: "jsonb" }
])

export const supportBundleSqlKind: SqlKind = sqlKind(supportBundleKind, "support_bundle", [
  { field: "reason", column: "reason", type: "text" },
  { field: "userComment", column: "user_comment", type: "text" }
])

export const defaultSqlKinds: ReadonlyArray<SqlKind> = [alertSqlKind, supportBundleSqlKind]

/** The kind's lifecycle state column exists only for kinds with a lifecycle (support bundles). */
export const hasState = (k: SqlKind): boolean => k.kind.lifecycle !== null

/** Column values of one request, as the parameters the statements bind (JSON as text). */
export const columnValue = (column: SqlColumn, fields: Readonly<Record<string, unknown>>): string | null => {
  const value = fields[column.field]
  if (column.type === "jsonb") return value === undefined ? null : JSON.stringify(value)
  return value === undefined || value === null ? null : String(value)
}

export const columnValues = (k: SqlKind, requests: ReadonlyArray<Request>): ReadonlyArray<ReadonlyArray<string | null>> => {
  const fields = requests.map((r) => k.kind.resourceFields(r))
  return k.columns.map((c) => fields.map((f) => columnValue(c, f)))
}
