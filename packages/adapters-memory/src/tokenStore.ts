import { tokenCreateAudit, tokenRevokeAudit, TokenStore } from "@fm-rendezvous/domain"
import { Effect, Layer, Option, SynchronizedRef } from "effect"
import { MemoryDatabase } from "./database.ts"
import { appendAudit, type MemoryDb } from "./state.ts"

/** API tokens in memory (SPEC 8.2), the reference behaviour of the SQL token table. */
export const MemoryTokenStore = Layer.effect(
  TokenStore,
  Effect.gen(function*() {
    const { ref } = yield* MemoryDatabase
    const step = <A>(f: (db: MemoryDb) => A) => SynchronizedRef.modify(ref, (db) => [f(db), db] as const)
    return TokenStore.of({
      create: (token, actor) =>
        step((db) => {
          if (db.tokens.has(token.name)) return false
          db.tokens.set(token.name, { ...token, lastUsedAt: null, revokedAt: null })
          appendAudit(db, tokenCreateAudit(actor, token))
          return true
        }),
      list: step((db) => [...db.tokens.values()].sort((a, b) => (a.name < b.name ? -1 : 1))),
      revoke: (name, at, actor) =>
        step((db) => {
          const found = db.tokens.get(name)
          if (found === undefined) return false
          if (found.revokedAt === null) db.tokens.set(name, { ...found, revokedAt: at })
          appendAudit(db, tokenRevokeAudit(actor, name, found.revokedAt !== null, at))
          return true
        }),
      byLookup: (lookup) => step((db) => Option.fromNullishOr([...db.tokens.values()].find((r) => r.lookup === lookup))),
      touch: (name, at, olderThan) =>
        step((db) => {
          const found = db.tokens.get(name)
          if (found !== undefined && (found.lastUsedAt === null || found.lastUsedAt < olderThan)) {
            db.tokens.set(name, { ...found, lastUsedAt: at })
          }
        })
    })
  })
)
