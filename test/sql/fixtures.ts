import { alertSqlKind, sqlKind, sqlLayer, supportBundleSqlKind } from "@fm-rendezvous/adapters-sql"
import { Effect, Layer } from "effect"
import { CreationFaults } from "@fm-rendezvous/testkit/faults"
import { widgetKind } from "../support/kinds.ts"
import type { PortTarget } from "../support/ports.ts"
import { UnmarkedRows } from "../support/unmarked.ts"
import { freshSchemaLayer, testDatabaseLayer } from "../support/postgres.ts"
import { SqlClient } from "effect/sql"

/**
 * The throwaway third kind of the test suites (test/support/kinds.ts) with an SQL descriptor and
 * tables of its own: the statements alerts and bundles use run for it unchanged.
 */
export const widgetSqlKind = sqlKind(widgetKind, "test_widget", [{ field: "size", column: "size", type: "jsonb" }])

/** Alerts, support bundles and the widget kind. */
export const allKinds = [alertSqlKind, supportBundleSqlKind, widgetSqlKind]

/** Every port on a fresh, migrated database of its own. */
export const freshSqlLayer = (options?: { readonly isolation?: "read committed" | "serializable" }) =>
  sqlLayer({ kinds: allKinds }).pipe(Layer.provideMerge(testDatabaseLayer({ kinds: allKinds, ...options })))

/**
 * Injected persistent creation failure (SPEC 4: one failing kind must not hold up another): a
 * trigger makes the kind's resource table refuse inserts. Test-only, so PostgreSQL's plpgsql is fine.
 */
const faults = Layer.effect(
  CreationFaults,
  Effect.map(SqlClient.SqlClient, (sql) =>
    CreationFaults.of({
      setFailing: (kind, failing) => {
        const table = allKinds.find((k) => k.kind.name === kind)!.resourceTable
        return failing
          ? Effect.andThen(
            sql.unsafe(`CREATE OR REPLACE FUNCTION fm_test_refuse() RETURNS trigger AS $$
              BEGIN RAISE EXCEPTION 'injected fault: % refuses writes', TG_TABLE_NAME; END $$ LANGUAGE plpgsql`),
            sql.unsafe(`CREATE OR REPLACE TRIGGER fm_test_refuse BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION fm_test_refuse()`)
          )
          : sql.unsafe(`DROP TRIGGER IF EXISTS fm_test_refuse ON ${table}`)
      }
    }))
)

/** Forgets a marker with a plain DELETE (test/support/unmarked.ts). */
const unmarkedRows = Layer.effect(
  UnmarkedRows,
  Effect.map(SqlClient.SqlClient, (sql) =>
    UnmarkedRows.of({
      forgetMarker: (kind, id) =>
        sql`DELETE FROM ${sql(allKinds.find((k) => k.kind.name === kind)!.markerTable)} WHERE resource_id = ${id}`
    }))
)

/** The SQL adapter as a contract/model target: each build is a fresh schema in `url`'s database. */
export const sqlTarget = (url: string): PortTarget => ({
  name: "postgresql",
  layer: Layer.merge(faults, unmarkedRows).pipe(Layer.provideMerge(sqlLayer({ kinds: allKinds })), Layer.provideMerge(freshSchemaLayer(url, { kinds: allKinds })))
})

let counter = 0
/** Distinct, valid, lowercase UUIDs in increasing order within a test file. */
export const uuid = (prefix = 0): string => {
  counter += 1
  const hex = (prefix * 0x1000000 + counter).toString(16).padStart(12, "0")
  return `00000000-0000-4000-8000-${hex}`
}
