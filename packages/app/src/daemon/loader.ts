import { type Sitrep, SitrepStore } from "@fm-rendezvous/domain"
import { Effect, Option, Ref } from "effect"

/**
 * The daemon's sitrep loader: holds the newest sitrep it has seen and never goes backwards
 * (a held sitrep is only ever replaced by one with a higher version), so a slow read racing a
 * newer one cannot make the executor step back to an older lineage point.
 */
export interface SitrepLoader {
  readonly held: Effect.Effect<Option.Option<Sitrep>>
  /** Loads the current sitrep if it is newer than the held one; true when it replaced it. */
  readonly refresh: Effect.Effect<boolean, Effect.Error<SitrepStore["Service"]["current"]>, SitrepStore>
}

export const replaceIfNewer = (held: Option.Option<Sitrep>, candidate: Sitrep): Option.Option<Sitrep> =>
  Option.isSome(held) && held.value.version >= candidate.version ? held : Option.some(candidate)

export const makeSitrepLoader = (initial: Option.Option<Sitrep> = Option.none()) =>
  Effect.map(Ref.make(initial), (ref): SitrepLoader => ({
    held: Ref.get(ref),
    refresh: Effect.gen(function*() {
      const store = yield* SitrepStore
      const header = yield* store.currentHeader
      const held = yield* Ref.get(ref)
      if (Option.isNone(header)) return false
      if (Option.isSome(held) && held.value.version >= header.value.version) return false
      // Held: move by the delta (only what entered or was dropped in between is read).
      const current = yield* (Option.isSome(held) ? store.currentFrom(held.value) : store.current)
      if (Option.isNone(current)) return false
      return yield* Ref.modify(ref, (before) => {
        const after = replaceIfNewer(before, current.value)
        return [after !== before, after] as const
      })
    })
  }))
