import { type HeldSitrep, type StoreError, SitrepStore } from "@fm-rendezvous/domain"
import { Effect, Option, Ref } from "effect"

/**
 * The daemon's sitrep loader: holds the newest sitrep it has seen and never goes backwards
 * (a held sitrep is only ever replaced by one with a higher version), so a slow read racing a
 * newer one cannot make the executor step back to an older lineage point.
 *
 * What it holds is a `HeldSitrep` (issue 19): the header and per-kind request counts, nothing
 * per request, since the activation reads the requests it executes from the store. A move to a
 * newer version reads only the counts of what entered or was dropped in between.
 */
export interface SitrepLoader {
  readonly held: Effect.Effect<Option.Option<HeldSitrep>>
  /** Loads the current sitrep if it is newer than the held one; true when it replaced it. */
  readonly refresh: Effect.Effect<boolean, StoreError, SitrepStore>
}

export const replaceIfNewer = (held: Option.Option<HeldSitrep>, candidate: HeldSitrep): Option.Option<HeldSitrep> =>
  Option.isSome(held) && held.value.version >= candidate.version ? held : Option.some(candidate)

export const makeSitrepLoader = (initial: Option.Option<HeldSitrep> = Option.none()) =>
  Effect.map(Ref.make(initial), (ref): SitrepLoader => ({
    held: Ref.get(ref),
    refresh: Effect.gen(function*() {
      const store = yield* SitrepStore
      const header = yield* store.currentHeader
      const held = yield* Ref.get(ref)
      if (Option.isNone(header)) return false
      if (Option.isSome(held) && held.value.version >= header.value.version) return false
      // Held: move by the delta (only what entered or was dropped in between is counted).
      const current = yield* store.currentHeld(held)
      if (Option.isNone(current)) return false
      return yield* Ref.modify(ref, (before) => {
        const after = replaceIfNewer(before, current.value)
        return [after !== before, after] as const
      })
    })
  }))
