import { Context, type Effect, type Option } from "effect"
import type { StoreError } from "../errors.ts"
import type { KindName, ResourceId, SitrepId } from "../model/ids.ts"
import type { Generation, SitrepVersion } from "../model/generation.ts"
import type { HeldSitrep, Sitrep, SitrepHeader, SitrepRequest } from "../model/sitrep.ts"
import type { DroppedRequest, SitrepOutline } from "../rules/lineage.ts"
import type { AddedRequest, CaseHeader } from "../rules/publishDelta.ts"
import type { AdminGrant } from "./authorization.ts"

/**
 * A sitrep ready to publish: everything but the version, which the history assigns, and who
 * publishes it, which the store takes from the publish's grant (issue 25.4).
 */
export type SitrepToPublish = Omit<Sitrep, "version" | "publishedBy">

/**
 * A sitrep to publish written as what changes against its parent (a delta document, issue 19):
 * the header and cases, the requests it adds and those it drops; every other request of the
 * parent is carried.
 */
export interface SitrepChange extends Omit<SitrepToPublish, "cases"> {
  readonly cases: ReadonlyArray<CaseHeader>
  readonly added: ReadonlyArray<AddedRequest>
  readonly dropped: ReadonlyArray<DroppedRequest>
}

export type PublishOutcome =
  | { readonly _tag: "Published"; readonly version: SitrepVersion }
  | { readonly _tag: "ParentNotCurrent"; readonly current: Option.Option<SitrepHeader> }
  /** A sitrep with this id was published before (ids are never reused). */
  | { readonly _tag: "SitrepExists" }

/** One page of a held sitrep's requests (`heldRequests`) and where the next one starts (null: none). */
export interface HeldRequestsPage {
  readonly requests: ReadonlyArray<SitrepRequest>
  readonly cursor: string | null
}

export interface PruneResult {
  readonly historyRemoved: number
  readonly sitrepsRemoved: number
  readonly pages: number
}

export class SitrepStore extends Context.Service<SitrepStore, {
  /**
   * ONE atomic step (SPEC 3.5): write the sitrep, its cases and the requests it adds (and end the
   * ones it drops: a request is stored once per lineage), then the history
   * compare-and-swap, then mark the existing markers of `dropped` with the generation that dropped
   * them (the GC candidates of SPEC 3.4; an id that never got a marker needs no record), and raise
   * each kind's highest generation (`highestGenerations`), and append the `publish` entry of the
   * audit record, with the grant's actor as the sitrep's `publishedBy`. Nothing is written when
   * the parent is not current.
   */
  readonly publish: (
    grant: AdminGrant,
    sitrep: SitrepToPublish,
    dropped: ReadonlyArray<DroppedRequest>
  ) => Effect.Effect<PublishOutcome, StoreError>
  /**
   * The same atomic step for a sitrep written as its change to the parent (`planDelta`): what it
   * stores is what `publish` stores for the equivalent whole sitrep, without the parent's carried
   * requests ever being read or passed.
   */
  readonly publishChanges: (grant: AdminGrant, change: SitrepChange) => Effect.Effect<PublishOutcome, StoreError>
  /**
   * The current sitrep without request bodies (issue 19): header, cases and every carried request's
   * id, case, entry generation, position and digest (`requestDigest`), what `planChild` needs to
   * check a full document against it. One snapshot.
   */
  readonly currentOutline: Effect.Effect<Option.Option<SitrepOutline>, StoreError>
  /**
   * The same outline, with only the carried requests a delta touches (`deltaTouches`): those among
   * `ids` (any kind), and every request of `cases`. One snapshot.
   */
  readonly currentExcerpt: (
    ids: ReadonlyArray<string>,
    cases: ReadonlyArray<string>
  ) => Effect.Effect<Option.Option<SitrepOutline>, StoreError>
  /**
   * The hash of the domain's digest rule (`requestDigest`: lowercase hex SHA-256 of the UTF-8 text
   * given), which the outline's digests were computed with. The adapter's, since the domain has no
   * synchronous SHA-256 of its own.
   */
  readonly sha256Hex: (text: string) => string
  /**
   * The highest generation each kind ever had in this lineage (issue 18): raised by every publish
   * in its atomic step, never lowered, kept when the sitreps that had it are pruned. Publishing
   * continues a kind above it (`planChild`).
   */
  readonly highestGenerations: Effect.Effect<Readonly<Record<string, Generation>>, StoreError>
  readonly currentHeader: Effect.Effect<Option.Option<SitrepHeader>, StoreError>
  readonly current: Effect.Effect<Option.Option<Sitrep>, StoreError>
  /**
   * The current sitrep, read as a move from `held`, an older version of the lineage the caller
   * holds: a kind whose generation did not move keeps the held requests, one that moved reads only
   * what entered or was dropped in between (issue 19). Equal to `current`; `held` itself when it
   * is still current.
   */
  readonly currentFrom: (held: Sitrep) => Effect.Effect<Option.Option<Sitrep>, StoreError>
  /**
   * The current sitrep as an executor holds it (issue 19, `HeldSitrep`): without `from`, its
   * header and per-kind request counts (the first load counts the kind's requests); from `from`,
   * an older version of the lineage the caller holds, a kind whose generation did not move keeps
   * its count and one that moved counts only the rows that entered or were dropped in between.
   * `from` itself when it is still current.
   */
  readonly currentHeld: (from: Option.Option<HeldSitrep>) => Effect.Effect<Option.Option<HeldSitrep>, StoreError>
  /**
   * One page of the requests of `kind` that `held` carries (at its generation of the kind) and
   * that entered the lineage after `after` (every one when null: SPEC 3.6, issue 13): what an
   * activation executes, read when it executes them rather than kept with the held sitrep. Pages
   * of at most `limit`, from `cursor` (null: the first), in the defined order of the store.
   * Asked only while `held` is current for the kind (an activation stale for it executes
   * nothing), so its requests are still stored.
   */
  readonly heldRequests: (
    held: SitrepHeader,
    kind: KindName,
    after: Generation | null,
    cursor: string | null,
    limit: number
  ) => Effect.Effect<HeldRequestsPage, StoreError>
  readonly byVersion: (version: SitrepVersion) => Effect.Effect<Option.Option<Sitrep>, StoreError>
  /**
   * Of `ids` (new to the parent), those the lineage knew before: carried by any stored sitrep or
   * still holding a creation marker. They must not reappear (SPEC 2); detection is best-effort
   * ("when detectable", SPEC 7.1): an id whose sitreps were pruned and whose marker was collected
   * (or that was never created) is no longer known.
   */
  readonly knownRequestIds: (kind: KindName, ids: ReadonlyArray<ResourceId>) => Effect.Effect<ReadonlyArray<ResourceId>, StoreError>
  /**
   * One page of pruning: trim history to the newest `keep` versions, remove unreferenced sitreps.
   * A page that removed history appends a `prune` entry to the audit record in its atomic step.
   */
  readonly prunePage: (grant: AdminGrant, keep: number, pageSize: number) => Effect.Effect<PruneResult & { readonly done: boolean }, StoreError>
  readonly historyRange: Effect.Effect<Option.Option<{ readonly oldest: SitrepVersion; readonly newest: SitrepVersion }>, StoreError>
  /** Whether the current sitrep requests this id of this kind: one index lookup (`fm explain`). */
  readonly currentRequests: (kind: KindName, id: ResourceId) => Effect.Effect<boolean, StoreError>
  readonly exists: (id: SitrepId) => Effect.Effect<boolean, StoreError>
}>()("fm/SitrepStore") {}
