import { Context, type Effect, type Option } from "effect"
import type { StoreError } from "../errors.ts"
import type { KindName } from "../model/ids.ts"

/**
 * What garbage collection still has to do for a kind (SPEC 9's two database gauges): the creation
 * markers whose ids a publish dropped (the GC candidates of SPEC 3.4) and that no sweep has
 * collected yet. Each read is ONE index-backed statement that never scans a marker or resource
 * table (docs/SQL.md, "Collection backlog").
 */
export class CollectionBacklog extends Context.Service<CollectionBacklog, {
  /** How many markers await collection. */
  readonly awaiting: (kind: KindName) => Effect.Effect<number, StoreError>
  /**
   * When the id of the oldest of them was dropped: the publish time of the sitrep that dropped it
   * (or, when history no longer holds that sitrep, of the oldest one it holds: a lower bound on
   * the age). None when nothing awaits collection.
   */
  readonly oldestDroppedAt: (kind: KindName) => Effect.Effect<Option.Option<Date>, StoreError>
}>()("fm/CollectionBacklog") {}
