import { createHash, randomBytes, timingSafeEqual } from "node:crypto"
import { type Actor, EXECUTOR_IDENTITY, InvalidInput, type Role, type TokenRecord, TokenStore } from "@fm-rendezvous/domain"
import { Clock, Duration, Effect, Option } from "effect"
import { parseDuration } from "./shared/duration.ts"
import { Refused } from "./shared/failure.ts"
import { TOKEN_PATTERN } from "./shared/tokenShape.ts"

/**
 * API tokens (SPEC 8.2). A token reads `fm_<lookup>_<secret>`: 64 bits of lookup (finds the row,
 * not a secret) and 256 bits of secret, both from the operating system's CSPRNG. Only the SHA-256
 * digest of the whole text is stored; a presented token is hashed and compared in constant time.
 */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/

/** Last use is written at most once per this interval per token. */
export const LAST_USE_RESOLUTION = Duration.minutes(1)

const digestOf = (token: string): string => createHash("sha256").update(token, "utf8").digest("hex")

const MAX_LIFETIME = Duration.days(36_525)

/** "90d", "12h", "30m", "45s", "2w", or anything effect's Duration reads ("90 days"): shared/duration.ts. */
export const parseExpiresIn = (text: string): Effect.Effect<Duration.Duration, InvalidInput> => {
  const parsed = parseDuration(text)
  // A lifetime must end at a date (no Infinity, nothing past a hundred years).
  return Option.isSome(parsed) && Duration.isGreaterThan(parsed.value, Duration.zero) &&
      Duration.isLessThanOrEqualTo(parsed.value, MAX_LIFETIME)
    ? Effect.succeed(parsed.value)
    : Effect.fail(new InvalidInput({ message: `--expires-in takes a positive duration of at most 100 years, such as 90d, 12h or "30 minutes", not ${JSON.stringify(text)}.` }))
}

export interface IssuedToken {
  readonly name: string
  readonly role: Role
  readonly expiresAt: Date | null
  readonly token: string
}

/**
 * Who the audit record names for a token's creation or revocation (issue 25.5): these are the
 * database owner's commands (SPEC 8.2), so the --actor (or FM_ACTOR) when given, else this.
 */
export const DATABASE_OWNER = "database-owner"

export const issueToken = (name: string, role: Role, expiresIn: Option.Option<Duration.Duration>, actor: string = DATABASE_OWNER) =>
  Effect.gen(function*() {
    // Case-insensitively: FM-EXECUTOR would read as the executors' identity in every log.
    if (name.toLowerCase() === EXECUTOR_IDENTITY.toLowerCase()) {
      return yield* new InvalidInput({ message: `${EXECUTOR_IDENTITY} is the executors' own identity; no token may be named so.` })
    }
    if (!NAME_PATTERN.test(name)) {
      return yield* new InvalidInput({
        message: `${JSON.stringify(name)} is not a token name: use 1 to 64 letters, digits, dots, dashes, underscores or @, starting with a letter or digit.`
      })
    }
    const now = new Date(yield* Clock.currentTimeMillis)
    const token = `fm_${randomBytes(8).toString("hex")}_${randomBytes(32).toString("base64url")}`
    const lookup = TOKEN_PATTERN.exec(token)![1]!
    const expiresAt = Option.match(expiresIn, { onNone: () => null, onSome: (d) => new Date(now.getTime() + Duration.toMillis(d)) })
    const created = yield* (yield* TokenStore).create({ name, role, lookup, digest: digestOf(token), createdAt: now, expiresAt }, actor)
    if (!created) return yield* new Refused({ message: `A token named ${name} exists already (names are never reused); pick another name.` })
    return { name, role, expiresAt, token } satisfies IssuedToken
  })

export const revokeToken = (name: string, actor: string = DATABASE_OWNER) =>
  Effect.gen(function*() {
    const now = new Date(yield* Clock.currentTimeMillis)
    const found = yield* (yield* TokenStore).revoke(name, now, actor)
    if (!found) return yield* new Refused({ message: `There is no token named ${name}.` })
  })

const live = (record: TokenRecord, now: Date): boolean =>
  record.revokedAt === null && (record.expiresAt === null || record.expiresAt > now)

/**
 * The actor a presented token stands for, or None for any token that is not valid (malformed,
 * unknown, expired, revoked: the caller answers all of them alike). Records the use at most once
 * a minute, judged from the row just read, so most requests write nothing.
 */
export const authenticate = (presented: string) =>
  Effect.gen(function*() {
    const match = TOKEN_PATTERN.exec(presented)
    if (match === null) return Option.none<Actor>()
    const store = yield* TokenStore
    const found = yield* store.byLookup(match[1]!)
    if (Option.isNone(found)) return Option.none<Actor>()
    const record = found.value
    const equal = timingSafeEqual(Buffer.from(digestOf(presented), "hex"), Buffer.from(record.digest, "hex"))
    const now = new Date(yield* Clock.currentTimeMillis)
    if (!equal || !live(record, now)) return Option.none<Actor>()
    const staleBefore = new Date(now.getTime() - Duration.toMillis(LAST_USE_RESOLUTION))
    // Best-effort: the request does not wait on, or fail with, the bookkeeping of its token's use.
    if (record.lastUsedAt === null || record.lastUsedAt < staleBefore) {
      yield* store.touch(record.name, now, staleBefore).pipe(
        Effect.catch((e) => Effect.logWarning(`could not record the use of token ${record.name}: ${e.message}`))
      )
    }
    return Option.some<Actor>({ name: record.name, role: record.role })
  })
