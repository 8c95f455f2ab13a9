// consumer.mjs again, in TypeScript: `tsc --noEmit` over this file proves the published types
// (dist/*.d.ts) serve a typed consumer, and Node runs it as it stands (type stripping).
import { migrate, pgLayer, sqlLayer } from "@fm-rendezvous/adapters-sql"
import {
  type Actor,
  alertKind,
  Authorization,
  type Collectibility,
  collectibility,
  decodeSitrepDocument,
  defaultKinds,
  FIRST_GENERATION,
  generationOf,
  type HeldSitrepView,
  makeRegistry,
  type Marker,
  parentIsCurrent,
  planChild,
  publishSitrep,
  requestsOf,
  ResourceId,
  ResourceStore,
  type Sitrep,
  type SitrepDocument,
  SitrepStore,
  SitrepVersion
} from "@fm-rendezvous/domain"
import { Effect, Layer, Option, Result, Schema } from "effect"
import { ALERT_DROPPED, ALERT_KEPT, childDocument, parentDocument } from "./documents.mjs"

const registry = makeRegistry(defaultKinds)
const decode = (doc: unknown): SitrepDocument => Result.getOrThrow(decodeSitrepDocument(registry)(doc))
const plan = (doc: unknown, parent: Sitrep | undefined) => Result.getOrThrow(planChild(registry, decode(doc), parent))

const parentDoc = decode(parentDocument)
const parentPlan = plan(parentDocument, undefined)
const parent: Sitrep = { ...parentDoc, version: SitrepVersion.make(1), timeCreated: new Date(), publishedBy: "planner-1", generations: parentPlan.generations, cases: parentPlan.cases }
const child = plan(childDocument, parent)

const requested = new Set<string>(requestsOf(child, alertKind.name).map((r) => r.id))
const marker: Marker = {
  kind: alertKind.name,
  resourceId: Schema.decodeUnknownSync(ResourceId)(ALERT_DROPPED),
  createdAtGeneration: FIRST_GENERATION,
  timeCreated: new Date(),
  timeDeleted: null,
  deletedBy: null,
  droppedAtGeneration: null
}
const held: HeldSitrepView = { _tag: "Present", generation: generationOf(child, alertKind.name), requests: (id) => requested.has(id) }
const verdict: Collectibility = collectibility(marker, held)

const planner: Actor = { name: "consumer", role: "admin" }
const onDatabase = Effect.gen(function*() {
  yield* migrate()
  const grant = yield* (yield* Authorization).requireAdmin(planner, "publishing")
  yield* publishSitrep(grant, parentDocument)
  const current = Option.getOrThrow(yield* (yield* SitrepStore).current)
  const generation = generationOf(current, alertKind.name)
  if (generation === undefined) return yield* Effect.die(new Error("the published sitrep has no alert generation"))
  const store = yield* ResourceStore
  const created = yield* store.createGuarded(alertKind.name, generation, requestsOf(current, alertKind.name))
  yield* publishSitrep(grant, childDocument)
  const stale = yield* store.createGuarded(alertKind.name, generation, requestsOf(current, alertKind.name))
  const row = yield* store.get(alertKind.name, Schema.decodeUnknownSync(ResourceId)(ALERT_KEPT))
  return { created, stale, kept: Option.isSome(row) }
})

const url: string = process.argv[2] ?? ""
const database = await Effect.runPromise(Effect.provide(onDatabase, sqlLayer().pipe(Layer.provideMerge(pgLayer(url)))))

const json = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))
console.log(json({
  generations: child.generations,
  dropped: child.dropped.map((d) => d.id),
  parentIsCurrent: parentIsCurrent(decode(childDocument).parentId, parent),
  verdict,
  database
}))
