import { InvalidInput } from "@fm-rendezvous/domain"
import { Effect } from "effect"

/**
 * Cursor pages (SPEC 8.3): `limit` 1..1000 (default 100) and an opaque `page_token` that carries
 * where the previous page ended. A token this server did not issue is bad input (400).
 */
export const DEFAULT_LIMIT = 100
export const MAX_LIMIT = 1000

export interface PageRequest {
  readonly limit: number
  readonly after: string | undefined
}

/** What a sitrep history page token holds (`GET /v1/sitreps`, `fm sitrep list`): the version a page continues below. */
export const isVersionCursor = (after: string): boolean => /^[1-9]\d{0,15}$/.test(after)

export const encodePageToken = (after: string): string => Buffer.from(JSON.stringify({ after }), "utf8").toString("base64url")

const tampered = new InvalidInput({ message: "The page_token is not one this server issued; start again without it." })

const decodeToken = (token: string, valid: (after: string) => boolean): string | undefined => {
  try {
    if (!/^[A-Za-z0-9_-]{1,400}$/.test(token)) return undefined
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as unknown
    const after = typeof parsed === "object" && parsed !== null ? (parsed as { after?: unknown }).after : undefined
    return typeof after === "string" && valid(after) && encodePageToken(after) === token ? after : undefined
  } catch {
    return undefined
  }
}

/** A page token given back to the command line (`--page-token`): where the list continues. */
export const decodePageToken = (token: string, valid: (after: string) => boolean): Effect.Effect<string, InvalidInput> => {
  const after = decodeToken(token, valid)
  return after === undefined
    ? Effect.fail(new InvalidInput({ message: "The page token is not one fm gave out; take the nextPageToken of a list's --json output." }))
    : Effect.succeed(after)
}

export const decodePage = (
  query: { readonly limit?: string | undefined; readonly page_token?: string | undefined },
  valid: (after: string) => boolean
): Effect.Effect<PageRequest, InvalidInput> => {
  const limit = query.limit === undefined ? DEFAULT_LIMIT : /^\d{1,4}$/.test(query.limit) ? Number(query.limit) : Number.NaN
  if (!(limit >= 1 && limit <= MAX_LIMIT)) {
    return Effect.fail(new InvalidInput({ message: `limit must be a whole number from 1 to ${MAX_LIMIT}, not ${JSON.stringify(query.limit)}.` }))
  }
  if (query.page_token === undefined) return Effect.succeed({ limit, after: undefined })
  const after = decodeToken(query.page_token, valid)
  return after === undefined ? Effect.fail(tampered) : Effect.succeed({ limit, after })
}
