/**
 * A seeded pseudo-random source (mulberry32): the simulation is deterministic for a seed, ids
 * included, so a run that fails an invariant can be replayed exactly.
 */
export interface Random {
  /** A float in [0, 1). */
  readonly next: () => number
  readonly int: (below: number) => number
  readonly chance: (p: number) => boolean
  readonly pick: <A>(items: ReadonlyArray<A>) => A | undefined
  /** A version-4-shaped UUID drawn from the seed. */
  readonly uuid: () => string
}

export const seededRandom = (seed: number): Random => {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (below: number) => Math.floor(next() * below)
  const hex = (n: number) => Array.from({ length: n }, () => int(16).toString(16)).join("")
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => (items.length === 0 ? undefined : items[int(items.length)]),
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${"89ab"[int(4)]}${hex(3)}-${hex(12)}`
  }
}
