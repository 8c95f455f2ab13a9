import { KindName } from "../model/ids.ts"
import { Comment } from "../model/text.ts"
import type { Lifecycle, ResourceKind } from "./kind.ts"

/** The support bundle state machine of SPEC 3.2. */
export const bundleLifecycle: Lifecycle = {
  initialState: "collecting",
  destroyingState: "destroying",
  removableStates: ["failed"],
  transitions: {
    collecting: ["active", "failing", "destroying"],
    active: ["failing", "destroying"],
    failing: ["failed", "destroying"],
    failed: [],
    destroying: []
  }
}

export const supportBundleKind: ResourceKind = {
  name: KindName.make("support_bundle"),
  singular: "support bundle",
  plural: "support bundles",
  documentField: "supportBundleRequests",
  requestFields: { reason: Comment, comment: Comment },
  resourceFields: (r) => ({ reason: r.body["reason"], userComment: null }),
  lifecycle: bundleLifecycle,
  userComment: true
}
