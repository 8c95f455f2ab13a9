import { Context, type Effect } from "effect"
import type { StoreError } from "../errors.ts"
import type { SitrepVersion } from "../model/generation.ts"
import type { Sitrep } from "../model/sitrep.ts"

/** One history entry (SPEC 8.3 `GET /v1/sitreps`): a stored sitrep without its cases. */
export type HistoryEntry = Omit<Sitrep, "cases">

/**
 * The history read newest first, one page per call (the API's cursor pages). Each page is ONE
 * statement down the history's primary key.
 */
export class SitrepHistory extends Context.Service<SitrepHistory, {
  /** Up to `limit` entries with a version below `before` (from the newest when null), newest first. */
  readonly page: (before: SitrepVersion | null, limit: number) => Effect.Effect<ReadonlyArray<HistoryEntry>, StoreError>
}>()("fm/SitrepHistory") {}
