const bigints = (_key: string, value: unknown) =>
  typeof value === "bigint" ? (value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString()) : value

/** JSON text for documents that may carry bigints (generations above 2^53 are strings). */
export const toJsonText = (document: unknown): string => JSON.stringify(document, bigints, 2)

/** The same on one line (a stream of documents, one per line: `fm status --watch --json`). */
export const compactJsonText = (document: unknown): string => JSON.stringify(document, bigints)
