import { InvalidInput } from "@fm-rendezvous/domain"
import { Effect } from "effect"
import { parse as tolerantParse } from "jsonc-parser"

/**
 * JSON text from an operator or a planner, a file for the command line and a request body for the
 * API alike (issue 25.9): a syntax error is one sentence naming the line and the column, whichever
 * Node runs `fm`. JSON.parse decides what is valid and words the problem where its message has a
 * position; where it has none ("Unexpected token ...", "Unexpected end of JSON input", and on
 * Node 20 no line or column at all) jsonc-parser's scanner finds where the text goes wrong
 * (comments and trailing commas are errors there too).
 */
export const parseJsonText = (text: string, what: string): Effect.Effect<unknown, InvalidInput> =>
  Effect.try({
    try: () => JSON.parse(text) as unknown,
    catch: (e) => new InvalidInput({ message: sentence(text, what, (e as Error).message) })
  })

/** The sentence for text that is not JSON, or undefined when it is. */
export const jsonSyntaxError = (text: string, what: string): string | undefined => {
  try {
    JSON.parse(text)
    return undefined
  } catch (e) {
    return sentence(text, what, (e as Error).message)
  }
}

const sentence = (text: string, what: string, message: string): string => `${what} is not valid JSON: ${describeSyntaxError(text, message)}.`

/** "Expected ... at line 3, column 2" from JSON.parse's message and the text it refused. */
const describeSyntaxError = (text: string, message: string): string => {
  const positioned = / (in|after) JSON at position (\d+)(?: \(line \d+ column \d+\))?$/.exec(message)
  if (positioned !== null) {
    const reason = message.slice(0, positioned.index) + (positioned[1] === "after" ? " after the JSON value" : "")
    return `${reason} at ${lineAndColumn(text, Number(positioned[2]))}`
  }
  // "Unexpected token 'x', "<the text>" is not valid JSON", "Unexpected end of JSON input": the
  // scanner says where, and what it found there.
  const errors: Array<{ offset: number; length: number }> = []
  tolerantParse(text, errors as never, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false })
  const first = errors[0] ?? { offset: text.length, length: 0 }
  const found = text.slice(first.offset, first.offset + Math.min(first.length, 40))
  return `${found === "" ? "Unexpected end of JSON input" : `Unexpected ${printable(found)}`} at ${lineAndColumn(text, first.offset)}`
}

/** Quoted, with control and invisible characters escaped, so the sentence stays one line. */
const printable = (found: string): string =>
  `'${found.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}'`

/** "line L, column C", 1-based (columns in UTF-16 code units, as JSON.parse counts). */
const lineAndColumn = (text: string, offset: number): string => {
  const before = text.slice(0, Math.min(offset, text.length))
  return `line ${before.split("\n").length}, column ${offset - (before.lastIndexOf("\n") + 1) + 1}`
}
