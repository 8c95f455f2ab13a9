import {
  Authorization,
  pruneHistory,
  publishSitrep,
  type Kinds,
  type MarkerStore,
  type ProgressStore,
  type ReportStore,
  type ResourceStore,
  type SitrepStore
} from "@fm-rendezvous/domain"
import { Effect, type Layer } from "effect"
import type { CreationFaults } from "@fm-rendezvous/testkit/faults"
import type { UnmarkedRows } from "./unmarked.ts"

export type Ports = Kinds | Authorization | SitrepStore | ResourceStore | MarkerStore | ProgressStore | ReportStore

/**
 * What the contract and model suites run against. Building `layer` must yield a FRESH, empty
 * store (memory: a new database; SQL: a clean schema) with `testKinds` registered.
 */
export interface PortTarget {
  readonly name: string
  readonly layer: Layer.Layer<Ports | CreationFaults | UnmarkedRows, unknown>
}

/** An admin's grant, as an operator with `--role admin` gets it, for tests that publish or prune. */
export const adminGrant = Effect.flatMap(Authorization, (a) => a.requireAdmin({ name: "alice", role: "admin" }, "testing"))

/** Publishes as an admin (most tests are not about authorization). */
export const publishAsAdmin = (document: unknown) => Effect.flatMap(adminGrant, (g) => publishSitrep(g, document))

/** Prunes as an admin. */
export const pruneAsAdmin = (keep: number, pageSize: number) => Effect.flatMap(adminGrant, (g) => pruneHistory(g, keep, pageSize))
