import {
  type Actor,
  authorization,
  deleteResource,
  type InvariantTally,
  Kinds,
  type Resource,
  type ResourceKind,
  ResourceStore
} from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"
import { observe } from "./observe.ts"
import type { Random } from "./random.ts"

/** The simulated operators: alice (admin) deletes; victor (viewer) and an anonymous caller try to. */
export const ADMIN: Actor = { name: "alice", role: "admin" }
const VIEWER: Actor = { name: "victor", role: "viewer" }

const LIST_LIMIT = 10_000

export const liveResources = (kind: ResourceKind) =>
  Effect.map(ResourceStore.use((r) => r.list(kind.name, { limit: LIST_LIMIT })), (rows) =>
    rows.filter((r) => r.state === null || r.state !== kind.lifecycle?.destroyingState))

export interface Deletion {
  readonly kind: ResourceKind
  readonly id: string
}

/** Alice deletes one live FM resource of a random kind; returns what she deleted, if anything. */
export const operatorDeletes = (random: Random) =>
  Effect.gen(function*() {
    const kinds = yield* Kinds
    const kind = random.pick(kinds.all)!
    const target = random.pick(yield* liveResources(kind))
    if (target === undefined) return Option.none<Deletion>()
    yield* deleteResource(ADMIN, kind, target.id)
    return Option.some<Deletion>({ kind, id: target.id })
  })

/** SPEC 4, authorization: a delete without admin changes nothing and says why. */
export const unauthorizedDeletesChangeNothing = (random: Random, tally: InvariantTally) =>
  Effect.gen(function*() {
    const kinds = yield* Kinds
    const kind = random.pick(kinds.all)!
    const target: Resource | undefined = random.pick(yield* liveResources(kind))
    if (target === undefined) return
    const scope = (k: string) => (k === kind.name ? [target.id] : [])
    for (const actor of [VIEWER, null]) {
      const before = yield* observe(scope)
      const attempt = yield* Effect.result(deleteResource(actor, kind, target.id))
      const after = yield* observe(scope)
      const who = actor === null ? "an anonymous caller" : `${actor.name} (${actor.role})`
      const failure = attempt._tag === "Failure" ? attempt.failure : null
      tally.record(authorization({ who, what: `${kind.singular} ${target.id}`, failure }, before, after))
    }
  })
