import { type KindName, type Request, type ResourceId, ResourceStore, SitrepStore } from "@fm-rendezvous/domain"
import { Context, Effect, Option } from "effect"

/**
 * Test-only: rows FM did not create (SPEC 3.1: data from before FM, or a row another path wrote;
 * issue 18). Each adapter's test target provides `forgetMarker`, which removes a marker and leaves
 * its row; `writeUnmarked` writes the row as a creation from the current generation would, then
 * forgets its marker, so the row is exactly what an executor would have written, without a marker.
 */
export class UnmarkedRows extends Context.Service<UnmarkedRows, {
  readonly forgetMarker: (kind: KindName, id: ResourceId) => Effect.Effect<void, unknown>
}>()("fm/test/UnmarkedRows") {}

/** Writes `request`'s row without a marker; false when nothing was written (no history, the id known, a fault). */
export const writeUnmarked = (kind: KindName, request: Request) =>
  Effect.gen(function*() {
    const header = yield* Effect.flatMap(SitrepStore, (s) => s.currentHeader)
    const generation = Option.getOrUndefined(header)?.generations[kind]
    if (generation === undefined) return false
    const result = yield* Effect.flatMap(ResourceStore, (r) => r.createGuarded(kind, generation, [request]))
    if (result._tag !== "Applied" || result.outcomes[0]?.outcome !== "Created") return false
    yield* Effect.flatMap(UnmarkedRows, (u) => u.forgetMarker(kind, request.id as ResourceId))
    return true
  })
