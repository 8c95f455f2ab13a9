/**
 * The invariants of SPEC section 4, by name, each checked against the database through the ports
 * while the simulation runs and at its end. A check records its first few violations verbatim.
 */
export const INVARIANTS = [
  "No resurrection",
  "No stale creation",
  "Convergence",
  "Idempotence",
  "GC safety",
  "GC liveness",
  "Monotonicity",
  "Authorization"
] as const
export type InvariantName = typeof INVARIANTS[number]

export interface InvariantResult {
  readonly name: InvariantName
  readonly holds: boolean
  readonly checks: number
  readonly violations: ReadonlyArray<string>
}

const MAX_KEPT = 5

export class InvariantLedger {
  private readonly checks = new Map<InvariantName, number>()
  private readonly violations = new Map<InvariantName, Array<string>>()
  private readonly counts = new Map<InvariantName, number>()

  /** Records one check of `name`; `violation` is null when it held. */
  check(name: InvariantName, violation: string | null): void {
    this.checks.set(name, (this.checks.get(name) ?? 0) + 1)
    if (violation === null) return
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1)
    const kept = this.violations.get(name) ?? []
    if (kept.length < MAX_KEPT) kept.push(violation)
    this.violations.set(name, kept)
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
