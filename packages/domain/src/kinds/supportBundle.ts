import { Schema } from "effect"
import { KindName } from "../model/ids.ts"
import { Comment } from "../model/text.ts"
import type { Lifecycle, ResourceKind } from "./kind.ts"

/**
 * The support bundle state machine of SPEC 3.2: collecting -> active, either -> failing -> failed;
 * an operator delete moves any state but failed to destroying (a failed bundle is removed at once).
 */
export const bundleLifecycle: Lifecycle = {
  initialState: "collecting",
  destroyingState: "destroying",
  removableStates: ["failed"]
}

export const supportBundleKind: ResourceKind = {
  name: KindName.make("support_bundle"),
  singular: "support bundle",
  plural: "support bundles",
  documentField: "supportBundleRequests",
  requestFields: { reason: Comment, comment: Comment },
  resourceFields: (r) => ({ reason: r.body["reason"], userComment: null }),
  resourceSchema: { reason: Schema.String, userComment: Schema.NullOr(Schema.String) },
  lifecycle: bundleLifecycle,
  userComment: true,
  // A support bundle for three faults in five.
  simulated: {
    perCase: (draw) => (draw() < 0.6 ? 1 : 0),
    body: (fault) => ({ reason: `${fault.diagnosis} diagnostics`, comment: "" }),
    partlyResolves: false
  }
}
