import { Result, Schema, SchemaTransformation } from "effect"

/**
 * Generations are INT8 in the database: 1 ..= 2^63-1 (SPEC 2). JavaScript numbers are exact
 * only up to 2^53-1, so a generation is a `bigint` inside the program. In JSON it is written as
 * a number while it is a safe integer and as a decimal string above that; both are accepted.
 */
export const MAX_GENERATION = 9223372036854775807n
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

const rangeMessage = "must be a whole number from 1 to 9223372036854775807"

export const Generation = Schema.BigInt.check(
  Schema.isBetweenBigInt({ minimum: 1n, maximum: MAX_GENERATION }, { message: rangeMessage })
).pipe(Schema.brand("Generation"))
export type Generation = typeof Generation.Type

export const FIRST_GENERATION: Generation = 1n as Generation

export class GenerationOverflow extends Schema.TaggedError<GenerationOverflow>()("GenerationOverflow", {
  generation: Schema.BigInt
}) {
  override get message() {
    return `generation ${this.generation} is the largest an INT8 can hold; it has no successor`
  }
}

/** `next()` of SPEC 2: +1, failing on overflow rather than wrapping. */
export const nextGeneration = (g: Generation): Result.Result<Generation, GenerationOverflow> =>
  g >= MAX_GENERATION ? Result.fail(new GenerationOverflow({ generation: g })) : Result.succeed((g + 1n) as Generation)

export const generationToJson = (g: Generation): number | string => (g <= MAX_SAFE ? Number(g) : g.toString())

const JsonNumber = Schema.Number.check(
  Schema.isInt({ message: rangeMessage }),
  Schema.makeFilter((n: number) => Number.isSafeInteger(n), {
    message: "is above 2^53-1 and loses precision as a JSON number; write it as a decimal string"
  })
)
const JsonDigits = Schema.String.check(Schema.isPattern(/^-?[0-9]+$/, { message: rangeMessage }))

/** A generation as it appears in JSON documents and reports. */
export const GenerationFromJson = Schema.Union([JsonNumber, JsonDigits]).pipe(
  Schema.decodeTo(
    Generation,
    SchemaTransformation.transform({
      decode: (v: number | string) => BigInt(v),
      encode: (g: bigint) => (g <= MAX_SAFE ? Number(g) : g.toString())
    })
  )
)

/** Sitrep versions are dense from 1 (SPEC 2); a program never reaches 2^53 of them. */
export const SitrepVersion = Schema.Int.check(
  Schema.isGreaterThanOrEqualTo(1, { message: "must be a whole number of at least 1" }),
  Schema.makeFilter((n: number) => Number.isSafeInteger(n), { message: "must be a whole number of at least 1" })
).pipe(Schema.brand("SitrepVersion"))
export type SitrepVersion = typeof SitrepVersion.Type
