// The two sitrep documents (SPEC 7.1) of the consumer scripts: a parent with two alerts and a
// support bundle, and a child that drops one alert and keeps the rest.
const uuid = (prefix, n) => `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, "0")}`
export const ALERT_KEPT = uuid("aaaaaaaa", 1)
export const ALERT_DROPPED = uuid("aaaaaaaa", 2)
const CASE = uuid("cccccccc", 1)
const alert = (id) => ({ id, class: "hw.fan.failed", payload: { slot: 3 }, comment: "" })
const bundle = { id: uuid("bbbbbbbb", 1), reason: "fan", comment: "" }

export const parentDocument = {
  id: uuid("55555555", 1),
  parentId: null,
  creatorId: "planner-1",
  comment: "",
  cases: [{ id: CASE, comment: "", closed: false, alertRequests: [alert(ALERT_KEPT), alert(ALERT_DROPPED)], supportBundleRequests: [bundle] }]
}

export const childDocument = {
  id: uuid("55555555", 2),
  parentId: parentDocument.id,
  creatorId: "planner-1",
  comment: "",
  cases: [{ id: CASE, comment: "", closed: false, alertRequests: [alert(ALERT_KEPT)], supportBundleRequests: [bundle] }]
}
