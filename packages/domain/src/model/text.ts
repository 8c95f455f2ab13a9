import { Schema } from "effect"

/** UTF-8 byte length, computed from code points (no platform encoder: the domain runs anywhere). */
export const utf8Length = (s: string): number => {
  let bytes = 0
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4
  }
  return bytes
}

// Control characters other than tab and newline have no business in operator-facing text, and
// a lone surrogate cannot be stored as UTF-8 (it is what invalid UTF-8 decodes to at best).
const forbidden = /[\u0000-\u0008\u000B-\u001F\u007F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Whether a string can be stored as text or JSONB on PostgreSQL: no NUL, no unpaired surrogate. */
const unstorable = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Every string (keys included) of a JSON value can be stored: see `unstorable`. */
export const jsonIsStorable = (value: unknown): boolean => {
  if (typeof value === "string") return !unstorable.test(value)
  if (Array.isArray(value)) return value.every(jsonIsStorable)
  if (value !== null && typeof value === "object") {
    return Object.entries(value).every(([k, v]) => !unstorable.test(k) && jsonIsStorable(v))
  }
  return true
}

/** Free text of at most `maxBytes` UTF-8 bytes without control characters (SPEC 7.1: comments <= 4096 bytes). */
export const Text = (maxBytes: number) =>
  Schema.String.check(
    Schema.makeFilter((s: string) => !forbidden.test(s), {
      message: "contains a control character or an unpaired surrogate"
    }),
    Schema.makeFilter((s: string) => utf8Length(s) <= maxBytes, {
      message: `is longer than ${maxBytes} bytes`
    })
  )

/** A short, non-empty name (creator, alert class, actor). */
export const Name = (maxBytes: number) =>
  Text(maxBytes).check(Schema.isNonEmpty({ message: "must not be empty" }))

export const COMMENT_MAX_BYTES = 4096
export const Comment = Text(COMMENT_MAX_BYTES)
