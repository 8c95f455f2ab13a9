import { Context, type Effect, type Option } from "effect"
import type { StoreError } from "../errors.ts"
import type { Role } from "./authorization.ts"

/**
 * API tokens (SPEC 8.2). A token is `fm_<lookup>_<secret>`: the lookup part finds the row (it is
 * not secret), the row holds only the SHA-256 digest of the whole token, which the caller compares
 * in constant time. The token's name is the actor of every change made with it.
 */
export interface TokenRecord {
  readonly name: string
  readonly role: Role
  readonly lookup: string
  /** Lowercase hex SHA-256 of the whole token text. */
  readonly digest: string
  readonly createdAt: Date
  readonly expiresAt: Date | null
  readonly lastUsedAt: Date | null
  readonly revokedAt: Date | null
}

export type NewToken = Omit<TokenRecord, "lastUsedAt" | "revokedAt">

export class TokenStore extends Context.Service<TokenStore, {
  /**
   * False when a token of that name exists already (names are never reused, even revoked). A
   * creation appends the `token.create` audit entry, by `actor`, in the same atomic step.
   */
  readonly create: (token: NewToken, actor: string) => Effect.Effect<boolean, StoreError>
  /** Every token, by name. */
  readonly list: Effect.Effect<ReadonlyArray<TokenRecord>, StoreError>
  /**
   * False when there is no token of that name; revoking twice keeps the first time. A revoke of a
   * token that exists appends the `token.revoke` audit entry (revoked or alreadyRevoked), by
   * `actor`, in the same atomic step.
   */
  readonly revoke: (name: string, at: Date, actor: string) => Effect.Effect<boolean, StoreError>
  readonly byLookup: (lookup: string) => Effect.Effect<Option.Option<TokenRecord>, StoreError>
  /** Records a use when the stored one is older than `olderThan` (at most one write a minute). */
  readonly touch: (name: string, at: Date, olderThan: Date) => Effect.Effect<void, StoreError>
}>()("fm/TokenStore") {}
