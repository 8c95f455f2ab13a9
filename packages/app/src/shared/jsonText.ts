/** JSON text for documents that may carry bigints (generations above 2^53 are strings). */
export const toJsonText = (document: unknown): string =>
  JSON.stringify(
    document,
    (_key, value) =>
      typeof value === "bigint" ? (value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString()) : value,
    2
  )
