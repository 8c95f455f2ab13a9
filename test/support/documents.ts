import type { Sitrep } from "@fm-rendezvous/domain"
import { requestsOf } from "@fm-rendezvous/domain"
import { testKinds } from "./kinds.ts"

/** Deterministic UUIDs for tests: `uuid(7)` is always the same id, and ids sort by n. */
export const uuid = (n: number, prefix = 0): string => {
  const hex = n.toString(16).padStart(12, "0")
  return `${prefix.toString(16).padStart(8, "0")}-0000-4000-8000-${hex}`
}

let counter = 1_000_000
/** A fresh id for a test that needs one it has not used. */
export const freshId = (): string => uuid(counter++, 0xfe)

export interface CaseSpec {
  readonly id: string
  readonly closed?: boolean
  readonly alerts?: ReadonlyArray<string>
  readonly bundles?: ReadonlyArray<string>
  readonly widgets?: ReadonlyArray<string>
  readonly comment?: string
}

export const alertRequest = (id: string) => ({ id, class: "hardware.power_shelf.psu.remove", payload: { shelf: 0, slot: 2 }, comment: "" })
export const bundleRequest = (id: string) => ({ id, reason: "psu removal diagnostics", comment: "" })
export const widgetRequest = (id: string) => ({ id, size: 3, comment: "" })

/** A sitrep document (SPEC 7.1) for the test kinds; `generations` omitted unless given. */
export const sitrepDoc = (spec: {
  readonly id: string
  readonly parentId: string | null
  readonly cases: ReadonlyArray<CaseSpec>
  readonly generations?: Record<string, number | string>
  readonly comment?: string
}) => ({
  id: spec.id,
  parentId: spec.parentId,
  creatorId: "planner-1",
  comment: spec.comment ?? "",
  ...(spec.generations ? { generations: spec.generations } : {}),
  cases: spec.cases.map((c) => ({
    id: c.id,
    comment: c.comment ?? "a case",
    closed: c.closed ?? false,
    alertRequests: (c.alerts ?? []).map(alertRequest),
    supportBundleRequests: (c.bundles ?? []).map(bundleRequest),
    widgetRequests: (c.widgets ?? []).map(widgetRequest)
  }))
})

/** Every request id a stored sitrep carries for a kind. */
export const requestIds = (s: Sitrep, kind: string): Set<string> => new Set(requestsOf(s, kind as never).map((r) => r.id))

export const kindNames = testKinds.map((k) => k.name)
