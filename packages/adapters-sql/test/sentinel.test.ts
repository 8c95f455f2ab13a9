import { assert, describe, it } from "@effect/vitest"
import { decodeSentinel, SENTINELS } from "../src/sentinel.ts"
import { SqlError } from "effect/sql"

const failure = (code: string | undefined, message: string, tag: "UnknownError" | "SqlSyntaxError" = "UnknownError") => {
  const cause = Object.assign(new Error(message), code === undefined ? {} : { code })
  const Reason = tag === "UnknownError" ? SqlError.UnknownError : SqlError.SqlSyntaxError
  return new SqlError.SqlError({ reason: new Reason({ cause, message: "PgConnection: Query failed" }) })
}

describe("sentinel decoding (SPEC 5): one function, PostgreSQL and CockroachDB wording", () => {
  it("PostgreSQL: SQLSTATE 22P02, invalid input syntax for type boolean", () => {
    for (const name of Object.values(SENTINELS)) {
      assert.strictEqual(decodeSentinel(failure("22P02", `invalid input syntax for type boolean: "${name}"`)), name)
    }
  })

  it("CockroachDB: could not parse \"<sentinel>\" as type bool", () => {
    for (const name of Object.values(SENTINELS)) {
      const text = `could not parse "${name}" as type bool: invalid bool value`
      assert.strictEqual(decodeSentinel(failure("22P02", text)), name)
      // Wrapped by a client that drops the code: the text alone still names it.
      assert.strictEqual(decodeSentinel(failure(undefined, `ERROR: ${text}`)), name)
    }
  })

  it("anything else is not a sentinel", () => {
    assert.isUndefined(decodeSentinel(failure("22P02", `invalid input syntax for type boolean: "maybe"`)))
    assert.isUndefined(decodeSentinel(failure("22012", "division by zero")))
    assert.isUndefined(decodeSentinel(failure("42601", `syntax error near "parent-not-current"`, "SqlSyntaxError")))
    assert.isUndefined(decodeSentinel(new Error(`could not parse "parent-not-current" as type bool`)))
  })

})
