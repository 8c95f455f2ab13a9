import type { Generation } from "../model/generation.ts"
import type { Marker } from "../model/resource.ts"

/** What the GC rule needs of the sitrep an executor holds, read from storage (not from memory). */
export type HeldSitrepView =
  | { readonly _tag: "Missing" }
  | {
    readonly _tag: "Present"
    readonly generation: Generation | undefined
    readonly requests: (id: string) => boolean
  }

export type Collectibility =
  | { readonly collectible: true; readonly reason: string }
  | {
    readonly collectible: false
    readonly blocker: "SitrepMissing" | "NoGeneration" | "StillRequested" | "NotOlder"
    readonly reason: string
  }

/**
 * SPEC 3.3, the GC eligibility rule: judged from the held sitrep S, marker M may be deleted iff S
 * still exists, S does not request M's id, and M was created at a generation strictly below S's.
 * It never reads older sitreps, so pruning history cannot make it unsafe.
 */
export const collectibility = (marker: Marker, held: HeldSitrepView, subject = "the sitrep"): Collectibility => {
  if (held._tag === "Missing") {
    return { collectible: false, blocker: "SitrepMissing", reason: `${subject} it is judged from is no longer stored` }
  }
  if (held.generation === undefined) {
    return { collectible: false, blocker: "NoGeneration", reason: `${subject} has no generation for this kind` }
  }
  if (held.requests(marker.resourceId)) {
    return {
      collectible: false,
      blocker: "StillRequested",
      reason: `${subject} (generation ${held.generation}) still requests it`
    }
  }
  if (marker.createdAtGeneration >= held.generation) {
    return {
      collectible: false,
      blocker: "NotOlder",
      reason: `it was created at generation ${marker.createdAtGeneration}, not before the generation of ${subject} (${held.generation})`
    }
  }
  return {
    collectible: true,
    reason: `no longer requested at generation ${held.generation}, and created earlier (generation ${marker.createdAtGeneration})`
  }
}

export const isCollectible = (marker: Marker, held: HeldSitrepView): boolean => collectibility(marker, held).collectible
