import type {
  Authorization,
  Kinds,
  MarkerStore,
  ProgressStore,
  ReportStore,
  ResourceStore,
  SitrepStore
} from "@fm-rendezvous/domain"
import type { Layer } from "effect"
import type { CreationFaults } from "./faults.ts"

export type Ports = Kinds | Authorization | SitrepStore | ResourceStore | MarkerStore | ProgressStore | ReportStore

/**
 * What the contract and model suites run against. Building `layer` must yield a FRESH, empty
 * store (memory: a new database; SQL: a clean schema) with `testKinds` registered.
 */
export interface PortTarget {
  readonly name: string
  readonly layer: Layer.Layer<Ports | CreationFaults, unknown>
}
