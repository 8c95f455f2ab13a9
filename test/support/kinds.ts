import { alertKind, Comment, defaultKinds, KindName, type ResourceKind, supportBundleKind } from "@fm-rendezvous/domain"
import { Schema } from "effect"

/**
 * A throwaway third kind that exists only in tests. Registering it must be enough for the
 * executor, guard, sweeper, status and explanation to handle it: nothing loops over a fixed list.
 */
export const widgetKind: ResourceKind = {
  name: KindName.make("widget"),
  singular: "widget",
  plural: "widgets",
  documentField: "widgetRequests",
  requestFields: { size: Schema.Int, comment: Comment },
  resourceFields: (r) => ({ size: r.body["size"] }),
  resourceSchema: { size: Schema.Int },
  lifecycle: null,
  userComment: false
}

export const testKinds: ReadonlyArray<ResourceKind> = [...defaultKinds, widgetKind]
export { alertKind, supportBundleKind }
