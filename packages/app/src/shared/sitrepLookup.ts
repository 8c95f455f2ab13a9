import { NotFound, type Sitrep, SitrepStore, type SitrepVersion } from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"
import { Usage } from "./failure.ts"

/**
 * The sitrep a command works on: the given history version, else the current one. A version
 * below 1 is bad usage (exit 2); one that is not in the history is not found (exit 1).
 */
export const lookUpSitrep = (version: Option.Option<number>, flag: string) =>
  Effect.gen(function*() {
    const store = yield* SitrepStore
    if (Option.isSome(version) && version.value < 1) {
      return yield* new Usage({ message: `${flag} takes a history version (1 or more), not ${version.value}.` })
    }
    const found: Option.Option<Sitrep> = Option.isSome(version)
      ? yield* store.byVersion(version.value as SitrepVersion)
      : yield* store.current
    if (Option.isNone(found)) {
      return yield* new NotFound({
        message: Option.isSome(version)
          ? `There is no sitrep version ${version.value} in the history (never published, or pruned).`
          : "No sitrep has been published yet."
      })
    }
    return found.value
  })
