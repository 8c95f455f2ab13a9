// Another FM component using the published packages from node_modules, in plain JavaScript: it
// plans a child sitrep, judges a marker, and runs the guarded creation on the database given as
// the first argument. Prints one JSON document of what it saw (test/consumer/consumer.test.ts).
import { migrate, pgLayer, sqlLayer } from "@fm-rendezvous/adapters-sql"
import {
  Authorization,
  collectibility,
  decodeSitrepDocument,
  defaultKinds,
  makeRegistry,
  parentIsCurrent,
  planChild,
  publishSitrep,
  requestsOf,
  ResourceStore,
  SitrepStore
} from "@fm-rendezvous/domain"
import { Effect, Layer, Option, Result } from "effect"
import { childDocument, parentDocument, ALERT_KEPT, ALERT_DROPPED } from "./documents.mjs"

const registry = makeRegistry(defaultKinds)
const plan = (doc, parent) => Result.getOrThrow(planChild(registry, Result.getOrThrow(decodeSitrepDocument(registry)(doc)), parent))

// The parent as it would be stored, then the child planned against it.
const parentPlan = plan(parentDocument, undefined)
const parent = { ...parentDocument, version: 1, timeCreated: new Date(), generations: parentPlan.generations, cases: parentPlan.cases }
const child = plan(childDocument, parent)

// The dropped alert's marker, judged from the child (SPEC 3.3).
const requested = new Set(requestsOf(child, "alert").map((r) => r.id))
const marker = { kind: "alert", resourceId: ALERT_DROPPED, createdAtGeneration: 1n, timeCreated: new Date(), timeDeleted: null, deletedBy: null, droppedAtGeneration: null }
const held = { _tag: "Present", generation: child.generations.alert, requests: (id) => requested.has(id) }

const onDatabase = Effect.gen(function*() {
  yield* migrate()
  const grant = yield* (yield* Authorization).requireAdmin({ name: "consumer", role: "admin" }, "publishing")
  yield* publishSitrep(grant, parentDocument)
  const current = Option.getOrThrow(yield* (yield* SitrepStore).current)
  const store = yield* ResourceStore
  const created = yield* store.createGuarded("alert", current.generations.alert, requestsOf(current, "alert"))
  yield* publishSitrep(grant, childDocument)
  // The parent is no longer current: creating from it is refused by the guard.
  const stale = yield* store.createGuarded("alert", current.generations.alert, requestsOf(current, "alert"))
  const row = yield* store.get("alert", ALERT_KEPT)
  return { created, stale, kept: Option.isSome(row) }
})

const database = await Effect.runPromise(Effect.provide(onDatabase, sqlLayer().pipe(Layer.provideMerge(pgLayer(process.argv[2])))))

const json = (value) => JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v))
console.log(json({
  generations: child.generations,
  dropped: child.dropped.map((d) => d.id),
  parentIsCurrent: parentIsCurrent(childDocument.parentId, parent),
  verdict: collectibility(marker, held),
  database
}))
