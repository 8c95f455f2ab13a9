import { PgTypes } from "@effect/sql-pg"
import { Result } from "effect"

/** A typed array parameter: inference cannot type an array of only NULLs, so name the element type. */
const typedArray = (oid: number) => (values: ReadonlyArray<unknown>) => Result.getOrThrow(PgTypes.array(values, oid))

export const textArray = typedArray(PgTypes.OID.text)
export const int8Array = typedArray(PgTypes.OID.int8)
export const int4Array = typedArray(PgTypes.OID.int4)
export const boolArray = typedArray(PgTypes.OID.bool)
