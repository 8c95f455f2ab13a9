import { type Check, INVARIANTS, type InvariantName } from "./checks.ts"

/** How one invariant fared over a run: how often it was checked and its first few violations verbatim. */
export interface InvariantResult {
  readonly name: InvariantName
  readonly holds: boolean
  readonly checks: number
  readonly violations: ReadonlyArray<string>
}

const MAX_KEPT = 5

/** Counts checks per invariant as a run makes them (the simulation's summary). */
export class InvariantTally {
  private readonly checks = new Map<InvariantName, number>()
  private readonly violations = new Map<InvariantName, Array<string>>()
  private readonly counts = new Map<InvariantName, number>()

  record(checks: Check | ReadonlyArray<Check>): void {
    for (const c of Array.isArray(checks) ? checks : [checks as Check]) {
      this.checks.set(c.invariant, (this.checks.get(c.invariant) ?? 0) + 1)
      if (c.violation === null) continue
      this.counts.set(c.invariant, (this.counts.get(c.invariant) ?? 0) + 1)
      const kept = this.violations.get(c.invariant) ?? []
      if (kept.length < MAX_KEPT) kept.push(c.violation)
      this.violations.set(c.invariant, kept)
    }
  }

  results(): ReadonlyArray<InvariantResult> {
    return INVARIANTS.map((name) => ({
      name,
      // An invariant never exercised is not claimed to hold.
      holds: (this.counts.get(name) ?? 0) === 0 && (this.checks.get(name) ?? 0) > 0,
      checks: this.checks.get(name) ?? 0,
      violations: this.violations.get(name) ?? []
    }))
  }
}
