import type { Generation, KindName, Sitrep } from "@fm-rendezvous/domain"
import { requestsOf } from "@fm-rendezvous/domain"

/**
 * What the simulation remembers of every published sitrep, to judge the invariants from outside
 * the system: per kind, the request ids each generation carried, and every id ever dropped.
 */
export class LineageRecord {
  private readonly byGeneration = new Map<string, Set<string>>()
  private readonly dropped = new Map<string, Set<string>>()
  private previous: Sitrep | undefined
  published = 0
  newestVersion = 0

  record(kinds: ReadonlyArray<KindName>, sitrep: Sitrep): void {
    this.published += 1
    this.newestVersion = sitrep.version
    for (const kind of kinds) {
      const ids = new Set<string>(requestsOf(sitrep, kind).map((r) => r.id))
      this.byGeneration.set(`${kind}/${sitrep.generations[kind]}`, ids)
      if (this.previous !== undefined) {
        const gone = this.droppedOf(kind)
        for (const r of requestsOf(this.previous, kind)) if (!ids.has(r.id)) gone.add(r.id)
      }
    }
    this.previous = sitrep
  }

  /** Whether the lineage requested `id` of `kind` at `generation` (SPEC 4, no stale creation). */
  requestedAt(kind: KindName, generation: Generation, id: string): boolean {
    return this.byGeneration.get(`${kind}/${generation}`)?.has(id) ?? false
  }

  droppedOf(kind: KindName): Set<string> {
    let set = this.dropped.get(kind)
    if (set === undefined) {
      set = new Set()
      this.dropped.set(kind, set)
    }
    return set
  }
}
