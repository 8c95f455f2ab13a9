import { makeRegistry } from "../src/kinds/registry.ts"
import { alertKind } from "../src/kinds/alert.ts"
import { supportBundleKind } from "../src/kinds/supportBundle.ts"
import type { Generation } from "../src/model/generation.ts"
import type { Marker } from "../src/model/resource.ts"

export const registry = makeRegistry([alertKind, supportBundleKind])

export const id = (n: number, prefix = 0xa) =>
  `${prefix.toString(16).padStart(8, "0")}-0000-4000-8000-${n.toString(16).padStart(12, "0")}`

export const g = (n: number | bigint) => BigInt(n) as Generation

export const marker = (overrides: Partial<Marker> = {}): Marker => ({
  kind: "alert" as Marker["kind"],
  resourceId: id(1) as Marker["resourceId"],
  createdAtGeneration: g(1),
  timeCreated: new Date(0),
  timeDeleted: null,
  deletedBy: null,
  droppedAtGeneration: null,
  ...overrides
})

export const doc = (spec: {
  id: number
  parent: number | null
  cases: Array<{ id: number; closed?: boolean; alerts?: Array<number>; bundles?: Array<number>; cls?: string }>
  generations?: Record<string, number | string>
}) => ({
  id: id(spec.id, 0x5),
  parentId: spec.parent === null ? null : id(spec.parent, 0x5),
  creatorId: "planner",
  comment: "",
  ...(spec.generations ? { generations: spec.generations } : {}),
  cases: spec.cases.map((c) => ({
    id: id(c.id, 0xc),
    comment: "",
    closed: c.closed ?? false,
    alertRequests: (c.alerts ?? []).map((n) => ({ id: id(n, 0xa), class: c.cls ?? "x.y", payload: { n }, comment: "" })),
    supportBundleRequests: (c.bundles ?? []).map((n) => ({ id: id(n, 0xb), reason: "r", comment: "" }))
  }))
})
