/**
 * The shape of an API token (SPEC 8.2), shared by the server (tokens.ts, which issues and checks
 * them) and the clients (which refuse a value that cannot be a token before sending anything).
 * A token reads `fm_<lookup>_<secret>`: 16 hex digits of lookup, 43 base64url characters of secret.
 * Browser-safe: no Node module.
 */
export const TOKEN_PATTERN = /^fm_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/

/** Why `text` is not a token, as the end of a sentence ("it ..."), or undefined when it is one. */
export const tokenShapeProblem = (text: string): string | undefined => {
  if (TOKEN_PATTERN.test(text)) return undefined
  if (text.length === 0) return "it is empty"
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "")
  if (lines.length > 1) return `it spans ${lines.length} lines (only the first line of fm token create's output is the token)`
  if (/\s/.test(text)) return "it contains white space"
  if (!text.startsWith("fm_")) return "it does not start with fm_"
  if (!/^fm_[0-9a-f]{16}_/.test(text)) return "its part after fm_ is not 16 hexadecimal digits followed by _"
  return `its secret part is not 43 base64url characters (the token is ${text.length} characters long, not 63)`
}
