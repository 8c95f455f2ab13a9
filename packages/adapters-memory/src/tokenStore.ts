import { type TokenRecord, TokenStore } from "@fm-rendezvous/domain"
import { Effect, Layer, Option, SynchronizedRef } from "effect"

/** API tokens in memory (SPEC 8.2), the reference behaviour of the SQL token table. */
export const MemoryTokenStore = Layer.effect(
  TokenStore,
  Effect.gen(function*() {
    const ref = yield* SynchronizedRef.make(new Map<string, TokenRecord>())
    const step = <A>(f: (tokens: Map<string, TokenRecord>) => A) => SynchronizedRef.modify(ref, (t) => [f(t), t] as const)
    return TokenStore.of({
      create: (token) =>
        step((t) => {
          if (t.has(token.name)) return false
          t.set(token.name, { ...token, lastUsedAt: null, revokedAt: null })
          return true
        }),
      list: step((t) => [...t.values()].sort((a, b) => (a.name < b.name ? -1 : 1))),
      revoke: (name, at) =>
        step((t) => {
          const found = t.get(name)
          if (found === undefined) return false
          if (found.revokedAt === null) t.set(name, { ...found, revokedAt: at })
          return true
        }),
      byLookup: (lookup) => step((t) => Option.fromNullishOr([...t.values()].find((r) => r.lookup === lookup))),
      touch: (name, at, olderThan) =>
        step((t) => {
          const found = t.get(name)
          if (found !== undefined && (found.lastUsedAt === null || found.lastUsedAt < olderThan)) {
            t.set(name, { ...found, lastUsedAt: at })
          }
        })
    })
  })
)
