import { type AuditCursor, type AuditEntry, auditSubject, InvalidInput } from "@fm-rendezvous/domain"
import { Clock, Duration, Effect, Option } from "effect"
import { parseDuration } from "./duration.ts"
import { decodePageToken, encodePageToken } from "./pages.ts"

/* What `fm audit` and `GET /v1/audit` share (issue 25.5): the filters and the cursor (the paging loop is operations.ts `followAuditPages`). */

const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/

/**
 * `--since` / `since=`: a time (`2026-12-01`, `2026-12-01T10:00:00Z`) or how long ago, in the
 * project's one duration syntax (`24h`, `7d`, `90 minutes`).
 */
export const parseSince = (text: string, flag: string): Effect.Effect<Date, InvalidInput> =>
  Effect.gen(function*() {
    const trimmed = text.trim()
    if (ISO.test(trimmed) && !Number.isNaN(Date.parse(trimmed))) return new Date(trimmed)
    const ago = parseDuration(trimmed)
    if (Option.isSome(ago) && Duration.isGreaterThanOrEqualTo(ago.value, Duration.zero)) {
      return new Date((yield* Clock.currentTimeMillis) - Duration.toMillis(ago.value))
    }
    return yield* new InvalidInput({
      message: `${flag} takes a time such as 2026-12-01T10:00:00Z or how long ago, such as 24h or 7d, not ${JSON.stringify(text)}.`
    })
  })

/** `--id` / `--by` (and `id=` / `actor=`): a non-empty name of at most 256 characters. */
export const parseAuditName = (text: string, flag: string): Effect.Effect<string, InvalidInput> => {
  const trimmed = text.trim()
  return trimmed.length >= 1 && trimmed.length <= 256
    ? Effect.succeed(auditSubject(trimmed))
    : Effect.fail(new InvalidInput({ message: `${flag} takes a name or id of 1 to 256 characters, not ${JSON.stringify(text)}.` }))
}

/** The position after an entry, as the text inside a page token. */
const cursorText = (c: AuditCursor): string => `${c.at.toISOString()}/${c.id}`
const CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\/([0-9a-f-]{36})$/

export const validCursorText = (text: string): boolean => CURSOR.test(text) && !Number.isNaN(Date.parse(text.slice(0, 24)))

export const cursorOfText = (text: string): AuditCursor => {
  const m = CURSOR.exec(text)!
  return { at: new Date(m[1]!), id: m[2]! }
}

export const encodeAuditCursor = (c: AuditCursor): string => encodePageToken(cursorText(c))

/** A page token given back to `fm audit --page-token`. */
export const decodeAuditCursor = (token: string): Effect.Effect<AuditCursor, InvalidInput> =>
  Effect.map(decodePageToken(token, validCursorText), cursorOfText)

export interface AuditPage {
  readonly entries: ReadonlyArray<AuditEntry>
  readonly more: boolean
}
