import type { Schema } from "effect"
import type { KindName } from "../model/ids.ts"
import type { Request } from "../model/sitrep.ts"

/**
 * A lifecycle for kinds whose resources are not simply present or absent (support bundles,
 * SPEC 3.2). A delete of a resource in a `removableStates` state removes the row at once; any
 * other state moves it to `destroyingState`, and a collector removes it later. Moves between the
 * other states belong to the process that collects bundles, outside fm-rendezvous.
 */
export interface Lifecycle {
  readonly initialState: string
  readonly destroyingState: string
  readonly removableStates: ReadonlyArray<string>
}

/**
 * A resource kind is data (ARCHITECTURE: resource kinds are data): the executor, the guard, the
 * sweeper, status and explanations loop over the registry and never name a kind.
 */
export interface ResourceKind {
  readonly name: KindName
  /** Words for reports: "alert" / "alerts". */
  readonly singular: string
  readonly plural: string
  /** The field of a case in the sitrep document that carries this kind's requests. */
  readonly documentField: string
  /** The request's fields besides `id` (SPEC 7.1). */
  readonly requestFields: Schema.Struct.Fields
  /** The kind-specific fields of the resource an executor creates for a request. */
  readonly resourceFields: (request: Request) => Readonly<Record<string, unknown>>
  readonly lifecycle: Lifecycle | null
  /** Whether operators may attach a comment to a resource of this kind. */
  readonly userComment: boolean
}
