import type { Random } from "./random.ts"

/**
 * The simulated FM planner (SPEC 1): faults come and go; each fault opens a case carrying alert
 * and support-bundle requests; a resolved fault closes its case (its requests are dropped) and a
 * closed case is dropped from the sitrep after that. It writes SPEC 7.1 documents and leaves the
 * generations to the publisher, which derives them (SPEC 2). Request ids are fresh UUIDs and
 * never reappear once dropped.
 */
export interface PlannedCase {
  readonly id: string
  readonly comment: string
  closed: boolean
  /** Set once the closed case has been published closed: the next sitrep drops it. */
  closedPublished: boolean
  alertRequests: Array<{ id: string; class: string; payload: { shelf: number; slot: number }; comment: string }>
  supportBundleRequests: Array<{ id: string; reason: string; comment: string }>
}

const FAULTS = [
  { class: "hardware.power_shelf.psu.remove", reason: "psu removal diagnostics", what: "psu removed" },
  { class: "hardware.fan.failure", reason: "fan failure diagnostics", what: "fan failed" },
  { class: "hardware.nic.link_down", reason: "link flap diagnostics", what: "nic link down" },
  { class: "hardware.disk.smart_warning", reason: "disk health diagnostics", what: "disk smart warning" }
] as const

export interface Planner {
  /** Changes the fleet's faults; returns the next document, or null when nothing changed. */
  readonly step: () => Record<string, unknown> | null
  /** Records that the document became current (its id is the parent of the next). */
  readonly published: (id: string) => void
  readonly openCases: () => number
}

export const makePlanner = (random: Random, creatorId = "planner-1"): Planner => {
  const cases: Array<PlannedCase> = []
  let parentId: string | null = null

  const openCase = () => {
    const fault = FAULTS[random.int(FAULTS.length)]!
    const shelf = random.int(4)
    const slot = random.int(8)
    const alerts = 1 + random.int(3)
    cases.push({
      id: random.uuid(),
      comment: `shelf ${shelf} slot ${slot}: ${fault.what}`,
      closed: false,
      closedPublished: false,
      alertRequests: Array.from({ length: alerts }, () => ({ id: random.uuid(), class: fault.class, payload: { shelf, slot }, comment: "" })),
      supportBundleRequests: random.chance(0.6) ? [{ id: random.uuid(), reason: fault.reason, comment: "" }] : []
    })
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
        c.alertRequests = []
        c.supportBundleRequests = []
        changed = true
      }
    } else if (roll < 0.85) {
      // A fault partly resolves: one of its alerts is no longer wanted.
      const c = random.pick(open().filter((x) => x.alertRequests.length > 1))
      if (c !== undefined) {
        c.alertRequests.splice(random.int(c.alertRequests.length), 1)
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
        alertRequests: c.alertRequests.map((r) => ({ ...r, payload: { ...r.payload } })),
        supportBundleRequests: c.supportBundleRequests.map((r) => ({ ...r }))
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
