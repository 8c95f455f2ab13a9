import type { KindRegistry, ResourceKind, SimulatedFault } from "@fm-rendezvous/domain"
import type { Random } from "./random.ts"

/**
 * The simulated FM planner (SPEC 1): faults come and go; each fault opens a case carrying the
 * requests every registered kind asks for it (`ResourceKind.simulated`); a resolved fault closes
 * its case (its requests are dropped) and a closed case is dropped from the sitrep after that. It
 * writes SPEC 7.1 documents and leaves the generations to the publisher, which derives them
 * (SPEC 2). Request ids are fresh UUIDs and never reappear once dropped.
 */
export interface PlannedCase {
  readonly id: string
  readonly comment: string
  closed: boolean
  /** Set once the closed case has been published closed: the next sitrep drops it. */
  closedPublished: boolean
  /** Per kind name, the requests the case carries (`id` and the kind's request fields). */
  readonly requests: Map<string, Array<Readonly<Record<string, unknown>> & { readonly id: string }>>
}

const FAULTS: ReadonlyArray<Omit<SimulatedFault, "location"> & { readonly what: string }> = [
  { class: "hardware.power_shelf.psu.remove", diagnosis: "psu removal", what: "psu removed" },
  { class: "hardware.fan.failure", diagnosis: "fan failure", what: "fan failed" },
  { class: "hardware.nic.link_down", diagnosis: "link flap", what: "nic link down" },
  { class: "hardware.disk.smart_warning", diagnosis: "disk health", what: "disk smart warning" }
]

export interface Planner {
  /** Changes the fleet's faults; returns the next document, or null when nothing changed. */
  readonly step: () => Record<string, unknown> | null
  /** Records that the document became current (its id is the parent of the next). */
  readonly published: (id: string) => void
  readonly openCases: () => number
}

export const makePlanner = (registry: KindRegistry, random: Random, creatorId = "planner-1"): Planner => {
  const kinds = registry.all.filter((k): k is ResourceKind & Required<Pick<ResourceKind, "simulated">> => k.simulated !== undefined)
  const cases: Array<PlannedCase> = []
  let parentId: string | null = null

  const openCase = () => {
    const { what, ...fault } = FAULTS[random.int(FAULTS.length)]!
    const location = { shelf: random.int(4), slot: random.int(8) }
    const id = random.uuid()
    const requests = new Map(kinds.map((k) => {
      const n = k.simulated.perCase(random.next)
      const body = k.simulated.body({ ...fault, location })
      return [k.name as string, Array.from({ length: n }, () => ({ ...body, id: random.uuid() }))]
    }))
    cases.push({ id, comment: `shelf ${location.shelf} slot ${location.slot}: ${what}`, closed: false, closedPublished: false, requests })
  }

  const open = () => cases.filter((c) => !c.closed)

  const step = (): Record<string, unknown> | null => {
    let changed = false
    // Closed cases were carried once, closed and without requests; now they are dropped.
    for (let i = cases.length - 1; i >= 0; i--) {
      if (cases[i]!.closedPublished) {
        cases.splice(i, 1)
        changed = true
      }
    }
    const roll = random.next()
    if (roll < 0.45 || open().length === 0) {
      openCase()
      changed = true
    } else if (roll < 0.75) {
      const c = random.pick(open())
      if (c !== undefined) {
        c.closed = true
        c.requests.clear()
        changed = true
      }
    } else if (roll < 0.85) {
      // A fault partly resolves: one of its requests is no longer wanted.
      const partial = (c: PlannedCase) => kinds.filter((k) => k.simulated.partlyResolves && (c.requests.get(k.name)?.length ?? 0) > 1)
      const c = random.pick(open().filter((x) => partial(x).length > 0))
      if (c !== undefined) {
        const of = c.requests.get(random.pick(partial(c))!.name)!
        of.splice(random.int(of.length), 1)
        changed = true
      }
    }
    if (!changed) return null
    return {
      id: random.uuid(),
      parentId,
      creatorId,
      comment: `${open().length} open cases`,
      cases: cases.map((c) => ({
        id: c.id,
        comment: c.comment,
        closed: c.closed,
        ...Object.fromEntries(registry.all.map((k) => [k.documentField, structuredClone(c.requests.get(k.name) ?? [])]))
      }))
    }
  }

  return {
    step,
    published: (id) => {
      parentId = id
      for (const c of cases) if (c.closed) c.closedPublished = true
    },
    openCases: () => open().length
  }
}
