import { type KindRegistry, Kinds, StoreError } from "@fm-rendezvous/domain"
import { Context, Effect, Layer } from "effect"
import { defaultSqlKinds, type SqlKind } from "./kind.ts"

/** The SQL descriptors of the domain's registered kinds: the adapter's one kind registry. */
export interface SqlKindRegistry {
  /** In the domain registry's order. */
  readonly all: ReadonlyArray<SqlKind>
  /** The descriptor of a kind, or a StoreError naming it when none is registered. */
  readonly lookup: (name: string) => Effect.Effect<SqlKind, StoreError>
}

/**
 * Derives the SQL registry from the domain's: every domain kind must have exactly one descriptor,
 * and no two kinds may share a table (a programming error, refused when the layer is built).
 */
export const makeSqlKindRegistry = (domain: KindRegistry, descriptors: ReadonlyArray<SqlKind>): SqlKindRegistry => {
  const byName = new Map<string, SqlKind>()
  const tables = new Set<string>()
  for (const k of descriptors) {
    if (byName.has(k.kind.name)) throw new Error(`resource kind ${k.kind.name} has two SQL descriptors`)
    for (const t of [k.resourceTable, k.markerTable, k.candidateIndex, k.legacyCandidateTable]) {
      if (tables.has(t)) throw new Error(`table ${t} is used by two resource kinds`)
      tables.add(t)
    }
    byName.set(k.kind.name, k)
  }
  const all = domain.all.map((kind) => {
    const k = byName.get(kind.name)
    if (k === undefined) throw new Error(`resource kind ${kind.name} has no SQL descriptor`)
    return k
  })
  return {
    all,
    lookup: (name) => {
      const k = domain.all.some((kind) => kind.name === name) ? byName.get(name) : undefined
      return k === undefined
        ? Effect.fail(new StoreError({ message: `resource kind ${name} is not registered with the SQL adapter` }))
        : Effect.succeed(k)
    }
  }
}

export class SqlKinds extends Context.Service<SqlKinds, SqlKindRegistry>()("fm/sql/SqlKinds") {
  /** Needs the domain's `Kinds`: the SQL registry is derived from it. */
  static readonly layer = (descriptors: ReadonlyArray<SqlKind> = defaultSqlKinds) =>
    Layer.effect(SqlKinds, Effect.map(Kinds, (domain) => makeSqlKindRegistry(domain, descriptors)))
}
