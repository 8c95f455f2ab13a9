import { Effect, type Option, Stream } from "effect"

/**
 * The one shape of every paged store walk (sweeps, the reconciliation pass, history pruning, the
 * collector): `page(cursor)` is one bounded statement that answers its page and the cursor of the
 * next one (none when it was the last). The pages come out as a stream, to fold.
 */
export const pages = <C, P, E, R>(
  first: C,
  page: (cursor: C) => Effect.Effect<readonly [P, Option.Option<C>], E, R>
): Stream.Stream<P, E, R> => Stream.paginate(first, (cursor: C) => Effect.map(page(cursor), ([p, next]) => [[p], next] as const))
