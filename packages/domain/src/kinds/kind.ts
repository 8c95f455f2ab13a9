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

/** A fault as the simulated FM planner of `fm simulate` describes it to every kind. */
export interface SimulatedFault {
  /** A fault class, e.g. `hardware.fan.failure`. */
  readonly class: string
  /** What a diagnosis of it is about, e.g. `fan failure`. */
  readonly diagnosis: string
  readonly location: { readonly shelf: number; readonly slot: number }
}

/**
 * What the simulated planner asks of a kind for each fault (SPEC 1: FM opens a case per fault
 * and asks for resources). A kind without it is never requested by the simulation.
 */
export interface SimulatedRequests {
  /** How many requests a new case carries; `draw` is a seeded uniform number in [0, 1). */
  readonly perCase: (draw: () => number) => number
  /** The request's fields besides `id`, valid for `requestFields`. */
  readonly body: (fault: SimulatedFault) => Readonly<Record<string, unknown>>
  /** Whether a fault may partly resolve: one of several requests of the case is dropped. */
  readonly partlyResolves: boolean
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
  /**
   * The JSON types of those fields as a resource row shows them (SPEC 7.3, `fm <kind> show
   * --json`, `GET /v1/<kinds>/{id}`): what the API's contract types a row's own fields with.
   */
  readonly resourceSchema: Schema.Struct.Fields
  readonly lifecycle: Lifecycle | null
  /** Whether operators may attach a comment to a resource of this kind. */
  readonly userComment: boolean
  /** How `fm simulate`'s planner asks for this kind, if it does. */
  readonly simulated?: SimulatedRequests
}
