import { sqlKind } from "@fm-rendezvous/adapters-sql"
import { KindName, Name, type ResourceKind } from "@fm-rendezvous/domain"
import { Schema } from "effect"

/**
 * A throwaway third kind (ARCHITECTURE: a test-only kind proves kinds are data): its own
 * descriptor and tables, run through the very statements alerts and bundles use.
 */
export const widgetKind: ResourceKind = {
  name: KindName.make("widget"),
  singular: "widget",
  plural: "widgets",
  documentField: "widgetRequests",
  requestFields: { label: Name(64), spec: Schema.Json },
  resourceFields: (r) => ({ label: r.body["label"], spec: r.body["spec"] }),
  lifecycle: null,
  userComment: false
}

export const widgetSqlKind = sqlKind(widgetKind, "test_widget", [
  { field: "label", column: "label", type: "text" },
  { field: "spec", column: "spec", type: "jsonb" }
])
