import {
  type Actor,
  deleteResource,
  Kinds,
  type Resource,
  type ResourceKind,
  ResourceStore
} from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"
import type { InvariantLedger } from "./invariants.ts"
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
export const unauthorizedDeletesChangeNothing = (random: Random, ledger: InvariantLedger) =>
  Effect.gen(function*() {
    const kinds = yield* Kinds
    const resources = yield* ResourceStore
    const kind = random.pick(kinds.all)!
    const target: Resource | undefined = random.pick(yield* liveResources(kind))
    if (target === undefined) return
    for (const actor of [VIEWER, null]) {
      const attempt = yield* Effect.result(deleteResource(actor, kind, target.id))
      const after = yield* resources.get(kind.name, target.id)
      const who = actor === null ? "an anonymous caller" : `${actor.name} (${actor.role})`
      const refusedWithReason = attempt._tag === "Failure" && attempt.failure._tag === "NotAuthorized" &&
        attempt.failure.message.length > 0
      const unchanged = Option.isSome(after) && after.value.state === target.state
      ledger.check(
        "Authorization",
        refusedWithReason && unchanged ? null : `${who} deleting ${kind.singular} ${target.id}: ${
          refusedWithReason ? "the resource changed" : "was not refused as not authorized"
        }`
      )
    }
  })
