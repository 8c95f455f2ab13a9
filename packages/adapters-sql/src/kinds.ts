import { StoreError } from "@fm-rendezvous/domain"
import { Context, Effect, Layer } from "effect"
import { defaultSqlKinds, makeSqlKindRegistry, type SqlKind, type SqlKindRegistry } from "./kind.ts"

/** The SQL descriptors of the registered kinds, registered once for the whole adapter. */
export class SqlKinds extends Context.Service<SqlKinds, SqlKindRegistry & {
  /** The descriptor of a kind, or a StoreError naming it when none is registered. */
  readonly lookup: (name: string) => Effect.Effect<SqlKind, StoreError>
}>()("fm/sql/SqlKinds") {
  static readonly layer = (kinds: ReadonlyArray<SqlKind> = defaultSqlKinds) => {
    const registry = makeSqlKindRegistry(kinds)
    const names = new Set(kinds.map((k) => k.kind.name as string))
    return Layer.succeed(SqlKinds, {
      ...registry,
      lookup: (name) =>
        names.has(name)
          ? Effect.succeed(registry.get(name))
          : Effect.fail(new StoreError({ message: `resource kind ${name} is not registered with the SQL adapter` }))
    })
  }
}
