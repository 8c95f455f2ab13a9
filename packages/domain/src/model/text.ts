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
