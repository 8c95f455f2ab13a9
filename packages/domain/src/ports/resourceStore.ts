import { Context, type Effect, type Option } from "effect"
import type { StoreError } from "../errors.ts"
import type { Generation } from "../model/generation.ts"
import type { KindName, ResourceId } from "../model/ids.ts"
import type { Resource } from "../model/resource.ts"
import type { Request } from "../model/sitrep.ts"
import type { RequestOutcome } from "../rules/guard.ts"
import type { DeletePlan } from "../rules/deletion.ts"
import type { AdminGrant } from "./authorization.ts"

/** SPEC 3.1 outcomes of one guarded batch: values, not errors (ARCHITECTURE: SaveResult). */
export type GuardedBatchResult =
  | { readonly _tag: "StaleSitrep"; readonly currentGeneration: Generation | null }
  | { readonly _tag: "Applied"; readonly outcomes: ReadonlyArray<{ readonly id: ResourceId; readonly outcome: RequestOutcome }> }

export type DeleteOutcome = DeletePlan

export interface ListPage {
  readonly after?: ResourceId | undefined
  readonly limit: number
}

export class ResourceStore extends Context.Service<ResourceStore, {
  /**
   * ONE atomic step per batch (SPEC 3.1): the guard (held generation equals the current sitrep's
   * for the kind, failing closed), then per request the marker check and, for new ids, the
   * resource and its marker written together. One outcome per distinct id (`distinctRequests`).
   */
  readonly createGuarded: (
    kind: KindName,
    heldGeneration: Generation,
    requests: ReadonlyArray<Request>
  ) => Effect.Effect<GuardedBatchResult, StoreError>
  readonly get: (kind: KindName, id: ResourceId) => Effect.Effect<Option.Option<Resource>, StoreError>
  readonly list: (kind: KindName, page: ListPage) => Effect.Effect<ReadonlyArray<Resource>, StoreError>
  /**
   * ONE atomic step (SPEC 3.2): read the row and marker once, apply `deletePlan`, and append the
   * `delete` entry of the audit record (`deleteAudit`), unless there was nothing to delete.
   */
  readonly delete: (grant: AdminGrant, kind: KindName, id: ResourceId) => Effect.Effect<DeleteOutcome, StoreError>
  /**
   * Sets an operator comment (kinds with `userComment`) and appends the `comment` audit entry in
   * the same atomic step; false, and nothing written, when there is no such row.
   */
  readonly setUserComment: (grant: AdminGrant, kind: KindName, id: ResourceId, comment: string) => Effect.Effect<boolean, StoreError>
  /** The collector (SPEC 3.2): removes up to `limit` rows of the kind that are in its destroying state. */
  readonly finishDestroying: (kind: KindName, limit: number) => Effect.Effect<number, StoreError>
}>()("fm/ResourceStore") {}
