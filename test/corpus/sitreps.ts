import { alertRequest, bundleRequest, sitrepDoc, uuid } from "../support/documents.ts"

/**
 * The hostile and malformed sitrep corpus (issue 5): every defect of SPEC 7.1 the publisher must
 * refuse with one clear sentence, the documented exit code, and nothing written.
 *
 * `setup: "parent"` publishes BASE first (version 1) so the case can be a child of it.
 * `raw` cases are bytes handed to `fm sitrep publish` as a file: they only make sense end to end.
 */
export interface CorpusCase {
  readonly name: string
  readonly setup: "empty" | "parent"
  readonly document?: unknown
  readonly raw?: Uint8Array
  readonly exit: 1 | 2
  readonly message: RegExp
}

export const S = (n: number) => uuid(n, 0x51)
const C = (n: number) => uuid(n, 0xc1)
const A = (n: number) => uuid(n, 0xa1)
const B = (n: number) => uuid(n, 0xb1)

/** Documents as a production planner writes them: no field of the test-only widget kind. */
const production = <D extends { cases: ReadonlyArray<Record<string, unknown>> }>(d: D): D => ({
  ...d,
  cases: d.cases.map(({ widgetRequests: _, ...c }) => c)
})

/** The parent every "parent" case builds on: one case, alerts A1 A2, bundle B1. */
export const BASE = production(sitrepDoc({ id: S(1), parentId: null, cases: [{ id: C(1), alerts: [A(1), A(2)], bundles: [B(1)] }] }))
/** A valid child of BASE, which the defects below spoil one at a time. */
const child = (over: Record<string, unknown> = {}) => ({
  ...production(sitrepDoc({ id: S(2), parentId: S(1), cases: [{ id: C(1), alerts: [A(1), A(2)], bundles: [B(1)] }] })),
  ...over
})
const first = (over: Record<string, unknown> = {}) => ({
  ...production(sitrepDoc({ id: S(3), parentId: null, cases: [{ id: C(3), alerts: [A(3)], bundles: [B(3)] }] })),
  ...over
})
const withCase = (over: Record<string, unknown>) => first({ cases: [{ ...first().cases[0], ...over }] })
const withAlert = (over: Record<string, unknown>) => withCase({ alertRequests: [{ ...alertRequest(A(3)), ...over }] })
const withBundle = (over: Record<string, unknown>) => withCase({ supportBundleRequests: [{ ...bundleRequest(B(3)), ...over }] })
const invalid = (path: string, problem: string) => new RegExp(`^The sitrep document is invalid: ${path} ${problem}`)
const refused = (reason: string) => new RegExp(`^The sitrep cannot be published: ${reason}`)
const bytes = (s: string) => new TextEncoder().encode(s)
/** The one sentence for a syntax error, of a file (the command line) or a body (the API). */
const syntax = (words: string) => new RegExp(`^(\\S+|The request body) is not valid JSON: ${words.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.$`)
const truncated = `{"id": "${S(3)}", "cases": [`
const trailingComma = `{"id": "${S(3)}",}`
const missingComma = `{\n  "id": "${S(3)}",\n  "cases": [\n    {"id": "${C(1)}"}\n    {"id": "${C(2)}"}\n  ]\n}`
const misspelt = `{\n  "id": "${S(3)}",\n  "closed": tru\n}`

export const corpus: ReadonlyArray<CorpusCase> = [
  // Wrong types
  { name: "id is a number", setup: "empty", document: first({ id: 42 }), exit: 2, message: invalid("id", "must be a string") },
  { name: "parentId is a number", setup: "empty", document: first({ parentId: 7 }), exit: 2, message: invalid("parentId", "") },
  { name: "creatorId is a number", setup: "empty", document: first({ creatorId: 1 }), exit: 2, message: invalid("creatorId", "must be a string") },
  { name: "comment is an array", setup: "empty", document: first({ comment: ["a"] }), exit: 2, message: invalid("comment", "must be a string") },
  { name: "cases is an object", setup: "empty", document: first({ cases: {} }), exit: 2, message: invalid("cases", "must be an array") },
  { name: "closed is a string", setup: "empty", document: withCase({ closed: "false" }), exit: 2, message: invalid("cases\\[0\\]\\.closed", "must be a boolean") },
  { name: "alertRequests is an object", setup: "empty", document: withCase({ alertRequests: {} }), exit: 2, message: invalid("cases\\[0\\]\\.alertRequests", "must be an array") },
  { name: "alert class is a number", setup: "empty", document: withAlert({ class: 5 }), exit: 2, message: invalid("cases\\[0\\]\\.alertRequests\\[0\\]\\.class", "must be a string") },
  { name: "bundle reason is null", setup: "empty", document: withBundle({ reason: null }), exit: 2, message: invalid("cases\\[0\\]\\.supportBundleRequests\\[0\\]\\.reason", "must be a string") },
  { name: "generations is an array", setup: "empty", document: first({ generations: [1, 1] }), exit: 2, message: invalid("generations", "must be an object") },
  { name: "a generation is a boolean", setup: "empty", document: first({ generations: { alert: true } }), exit: 2, message: invalid("generations\\.alert", "") },
  { name: "the document is null", setup: "empty", document: null, exit: 2, message: /^The sitrep document is invalid: must be an object/ },
  { name: "the document is an array", setup: "empty", document: [], exit: 2, message: /^The sitrep document is invalid: must be an object/ },
  { name: "the document is a number", setup: "empty", document: 42, exit: 2, message: /^The sitrep document is invalid: must be an object/ },

  // Unknown and missing fields
  { name: "unknown top-level field", setup: "empty", document: first({ version: 3 }), exit: 2, message: invalid("version", "is not a known field") },
  { name: "unknown case field", setup: "empty", document: withCase({ severity: "high" }), exit: 2, message: invalid("cases\\[0\\]\\.severity", "is not a known field") },
  { name: "unknown alert request field", setup: "empty", document: withAlert({ priority: 1 }), exit: 2, message: invalid("cases\\[0\\]\\.alertRequests\\[0\\]\\.priority", "is not a known field") },
  { name: "unknown bundle request field", setup: "empty", document: withBundle({ size: 1 }), exit: 2, message: invalid("cases\\[0\\]\\.supportBundleRequests\\[0\\]\\.size", "is not a known field") },
  { name: "generations names an unknown kind", setup: "empty", document: first({ generations: { alerts: 1 } }), exit: 2, message: refused("generations names alerts, which is not a resource kind") },
  { name: "missing id", setup: "empty", document: (({ id: _, ...rest }) => rest)(first()), exit: 2, message: invalid("id", "is required") },
  { name: "missing creatorId", setup: "empty", document: (({ creatorId: _, ...rest }) => rest)(first()), exit: 2, message: invalid("creatorId", "is required") },
  { name: "missing cases", setup: "empty", document: (({ cases: _, ...rest }) => rest)(first()), exit: 2, message: invalid("cases", "is required") },
  { name: "missing closed", setup: "empty", document: first({ cases: [(({ closed: _, ...rest }) => rest)(first().cases[0]!)] }), exit: 2, message: invalid("cases\\[0\\]\\.closed", "is required") },
  { name: "missing alert class", setup: "empty", document: withCase({ alertRequests: [{ id: A(3), payload: {}, comment: "" }] }), exit: 2, message: invalid("cases\\[0\\]\\.alertRequests\\[0\\]\\.class", "is required") },
  { name: "empty creatorId", setup: "empty", document: first({ creatorId: "" }), exit: 2, message: invalid("creatorId", "must not be empty") },

  // Duplicate ids across the whole sitrep
  { name: "two cases with one id", setup: "empty", document: first({ cases: [first().cases[0], first().cases[0]] }), exit: 2, message: refused(`id ${C(3)} appears more than once`) },
  { name: "two alerts with one id", setup: "empty", document: withCase({ alertRequests: [alertRequest(A(3)), alertRequest(A(3))] }), exit: 2, message: refused(`id ${A(3)} appears more than once`) },
  { name: "an alert and a bundle with one id", setup: "empty", document: withCase({ supportBundleRequests: [bundleRequest(A(3))] }), exit: 2, message: refused(`id ${A(3)} appears more than once`) },
  { name: "a request with the case's id", setup: "empty", document: withCase({ alertRequests: [alertRequest(C(3))] }), exit: 2, message: refused(`id ${C(3)} appears more than once`) },
  { name: "a request with the sitrep's id", setup: "empty", document: withCase({ alertRequests: [alertRequest(S(3))] }), exit: 2, message: refused(`id ${S(3)} appears more than once`) },

  // Invalid uuids, including strings that look like SQL
  { name: "sitrep id is not a uuid", setup: "empty", document: first({ id: "not-a-uuid" }), exit: 2, message: invalid("id", "must be a UUID") },
  { name: "uuid without dashes", setup: "empty", document: first({ id: "0d6c9a8e2f1b4c4e9d553b1c2a7f8e01" }), exit: 2, message: invalid("id", "must be a UUID") },
  { name: "uuid too long", setup: "empty", document: first({ id: `${S(3)}0` }), exit: 2, message: invalid("id", "must be a UUID") },
  { name: "empty case id", setup: "empty", document: withCase({ id: "" }), exit: 2, message: invalid("cases\\[0\\]\\.id", "must be a UUID") },
  { name: "parentId is not a uuid", setup: "empty", document: first({ parentId: "123" }), exit: 2, message: invalid("parentId", "must be a UUID") },
  { name: "SQL in an id", setup: "empty", document: first({ id: "1' OR '1'='1" }), exit: 2, message: invalid("id", "must be a UUID") },
  { name: "SQL in a request id", setup: "empty", document: withAlert({ id: "'); DROP TABLE fm_alert; --" }), exit: 2, message: invalid("cases\\[0\\]\\.alertRequests\\[0\\]\\.id", "must be a UUID") },

  // Generations: 0, negative, fractional, beyond 2^63-1, wrong derivation
  { name: "generation 0", setup: "empty", document: first({ generations: { alert: 0 } }), exit: 2, message: invalid("generations\\.alert", "must be a whole number from 1 to 9223372036854775807") },
  { name: "negative generation", setup: "empty", document: first({ generations: { alert: -1 } }), exit: 2, message: invalid("generations\\.alert", "must be a whole number") },
  { name: "fractional generation", setup: "empty", document: first({ generations: { alert: 1.5 } }), exit: 2, message: invalid("generations\\.alert", "must be a whole number") },
  { name: "generation 2^63 as a string", setup: "empty", document: first({ generations: { alert: "9223372036854775808" } }), exit: 2, message: invalid("generations\\.alert", "must be a whole number") },
  { name: "generation 2^64 as a number", setup: "empty", document: first({ generations: { alert: 18446744073709551616 } }), exit: 2, message: invalid("generations\\.alert", "") },
  { name: "generation as words", setup: "empty", document: first({ generations: { alert: "one" } }), exit: 2, message: invalid("generations\\.alert", "must be a whole number") },
  { name: "a first sitrep at generation 2", setup: "empty", document: first({ generations: { alert: 2 } }), exit: 2, message: refused("generations\\.alert is 2, but alerts must be at generation 1 \\(a first sitrep starts at 1\\)") },
  { name: "a child that bumps an unchanged kind", setup: "parent", document: child({ generations: { support_bundle: 2 } }), exit: 2, message: refused("generations\\.support_bundle is 2, but support bundles must be at generation 1 \\(the request set did not change\\)") },
  { name: "a child that keeps a changed kind's generation", setup: "parent", document: child({ generations: { alert: 1 }, cases: [{ ...child().cases[0], alertRequests: [alertRequest(A(1))] }] }), exit: 2, message: refused("generations\\.alert is 1, but alerts must be at generation 2 \\(the request set changed\\)") },

  // Lineage
  { name: "a parent that is not current (empty history)", setup: "empty", document: first({ parentId: S(9) }), exit: 1, message: /^The parent .* is not current: no sitrep has been published yet/ },
  { name: "a parent that is not current (a sibling)", setup: "parent", document: child({ parentId: S(9) }), exit: 1, message: new RegExp(`^The parent ${S(9)} is not current: the current sitrep is ${S(1)} \\(version 1\\)`) },
  { name: "a second root", setup: "parent", document: first(), exit: 1, message: /^The parent null is not current/ },
  { name: "republishing the parent's id", setup: "parent", document: child({ id: S(1) }), exit: 2, message: refused(`sitrep ${S(1)} was published before \\(version 1\\) with other content`) },
  { name: "a carried request changed its fields", setup: "parent", document: child({ cases: [{ ...child().cases[0], alertRequests: [{ ...alertRequest(A(1)), class: "other" }, alertRequest(A(2))] }] }), exit: 2, message: refused(`alert request ${A(1)} differs from the parent's`) },
  { name: "a carried request moved case", setup: "parent", document: child({ cases: [{ ...child().cases[0], alertRequests: [alertRequest(A(2))] }, { id: C(2), comment: "", closed: false, alertRequests: [alertRequest(A(1))] }] }), exit: 2, message: refused(`alert request ${A(1)} differs from the parent's`) },

  // Sizes, control characters, unpaired surrogates
  { name: "comment of 4097 bytes", setup: "empty", document: first({ comment: "x".repeat(4097) }), exit: 2, message: invalid("comment", "is longer than 4096 bytes") },
  { name: "comment of 2049 two-byte characters", setup: "empty", document: first({ comment: "é".repeat(2049) }), exit: 2, message: invalid("comment", "is longer than 4096 bytes") },
  { name: "a one-megabyte case comment", setup: "empty", document: withCase({ comment: "y".repeat(1 << 20) }), exit: 2, message: invalid("cases\\[0\\]\\.comment", "is longer than 4096 bytes") },
  { name: "a request comment over the limit", setup: "empty", document: withAlert({ comment: "z".repeat(5000) }), exit: 2, message: invalid("cases\\[0\\]\\.alertRequests\\[0\\]\\.comment", "is longer than 4096 bytes") },
  { name: "an alert payload over 64 KiB", setup: "empty", document: withAlert({ payload: { blob: "p".repeat(70_000) } }), exit: 2, message: invalid("cases\\[0\\]\\.alertRequests\\[0\\]\\.payload", "is larger than 65536 bytes") },
  { name: "a NUL inside an alert payload", setup: "empty", document: withAlert({ payload: { x: "a\u0000b" } }), exit: 2, message: invalid("cases\\[0\\]\\.alertRequests\\[0\\]\\.payload", "contains a NUL character") },
  { name: "an unpaired surrogate as a payload key", setup: "empty", document: withAlert({ payload: { "\ud800": 1 } }), exit: 2, message: invalid("cases\\[0\\]\\.alertRequests\\[0\\]\\.payload", "contains a NUL character or an unpaired surrogate") },
  { name: "a payload of 40,000 three-byte characters", setup: "empty", document: withAlert({ payload: "€".repeat(40_000) }), exit: 2, message: invalid("cases\\[0\\]\\.alertRequests\\[0\\]\\.payload", "is larger than 65536 bytes") },
  { name: "an alert class over 256 bytes", setup: "empty", document: withAlert({ class: "c".repeat(300) }), exit: 2, message: invalid("cases\\[0\\]\\.alertRequests\\[0\\]\\.class", "is longer than 256 bytes") },
  { name: "a NUL in the comment", setup: "empty", document: first({ comment: "psu\u0000" }), exit: 2, message: invalid("comment", "contains a control character") },
  { name: "an escape sequence in the creator", setup: "empty", document: first({ creatorId: "\u001b[31mplanner" }), exit: 2, message: invalid("creatorId", "contains a control character") },
  { name: "an unpaired surrogate in a reason", setup: "empty", document: withBundle({ reason: "a\ud800b" }), exit: 2, message: invalid("cases\\[0\\]\\.supportBundleRequests\\[0\\]\\.reason", "contains a control character or an unpaired surrogate") },
  { name: "DEL in a case comment", setup: "empty", document: withCase({ comment: "x\u007f" }), exit: 2, message: invalid("cases\\[0\\]\\.comment", "contains a control character") },

  // Bytes that are not a JSON document (end to end only)
  { name: "invalid UTF-8", setup: "empty", raw: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), exit: 2, message: /is not valid UTF-8/ },
  // A syntax error names its line and column (issue 25.9), computed here from the text itself.
  { name: "truncated JSON", setup: "empty", raw: bytes(truncated), exit: 2, message: syntax(`Unexpected end of JSON input at line 1, column ${truncated.length + 1}`) },
  { name: "an empty file", setup: "empty", raw: bytes(""), exit: 2, message: /is not valid JSON|is empty/ },
  { name: "JSON with a trailing comma", setup: "empty", raw: bytes(trailingComma), exit: 2, message: syntax(`Expected double-quoted property name at line 1, column ${trailingComma.indexOf("}") + 1}`) },
  { name: "a missing comma on line 5", setup: "empty", raw: bytes(missingComma), exit: 2, message: syntax("Expected ',' or ']' after array element at line 5, column 5") },
  { name: "a misspelt literal on line 3", setup: "empty", raw: bytes(misspelt), exit: 2, message: syntax("Unexpected 'tru' at line 3, column 13") }
]

/** A document a clever attacker might hope is interpolated into SQL: it must be stored verbatim. */
export const sqlLookingButValid = first({
  comment: "'; DROP TABLE fm_alert; -- \" OR 1=1 /* $$ \\x00",
  cases: [{ ...first().cases[0], comment: "Robert'); DROP TABLE students;--", alertRequests: [{ ...alertRequest(A(3)), class: "x' OR 'a'='a", payload: { q: "SELECT * FROM pg_user" } }] }]
})
