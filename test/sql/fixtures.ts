import { alertSqlKind, sqlLayer, supportBundleSqlKind } from "@fm-rendezvous/adapters-sql"
import { Layer } from "effect"
import { testDatabaseLayer } from "../support/postgres.ts"
import { widgetSqlKind } from "./widget.ts"

/** Alerts, support bundles and the throwaway widget kind. */
export const allKinds = [alertSqlKind, supportBundleSqlKind, widgetSqlKind]

/** Every port on a fresh, migrated database of its own. */
export const freshSqlLayer = (options?: { readonly isolation?: "read committed" | "serializable" }) =>
  sqlLayer({ kinds: allKinds }).pipe(Layer.provideMerge(testDatabaseLayer({ kinds: allKinds, ...options })))

let counter = 0
/** Distinct, valid, lowercase UUIDs in increasing order within a test file. */
export const uuid = (prefix = 0): string => {
  counter += 1
  const hex = (prefix * 0x1000000 + counter).toString(16).padStart(12, "0")
  return `00000000-0000-4000-8000-${hex}`
}
