import { Schema } from "effect"
import { KindName } from "../model/ids.ts"
import { Comment, jsonIsStorable, Name, utf8Length } from "../model/text.ts"
import type { ResourceKind } from "./kind.ts"

export const PAYLOAD_MAX_BYTES = 65536

const Payload = Schema.Json.pipe(Schema.annotate({ description: `Any JSON value, at most ${PAYLOAD_MAX_BYTES} bytes once serialized.` })).check(
  Schema.makeFilter(jsonIsStorable, { message: "contains a NUL character or an unpaired surrogate, which cannot be stored" }),
  Schema.makeFilter((v: unknown) => utf8Length(JSON.stringify(v)) <= PAYLOAD_MAX_BYTES, {
    message: `is larger than ${PAYLOAD_MAX_BYTES} bytes once serialized`
  })
)

export const alertKind: ResourceKind = {
  name: KindName.make("alert"),
  singular: "alert",
  plural: "alerts",
  documentField: "alertRequests",
  requestFields: { class: Name(256), payload: Payload, comment: Comment },
  resourceFields: (r) => ({ class: r.body["class"], payload: r.body["payload"] }),
  resourceSchema: {
    class: Schema.String,
    payload: Schema.Json.pipe(Schema.annotate({ description: "The request's payload, as the sitrep gave it: any JSON value." }))
  },
  lifecycle: null,
  userComment: false,
  // One to three alerts per fault; a fault may partly resolve (one alert no longer wanted).
  simulated: {
    perCase: (draw) => 1 + Math.floor(draw() * 3),
    body: (fault) => ({ class: fault.class, payload: { ...fault.location }, comment: "" }),
    partlyResolves: true
  }
}
