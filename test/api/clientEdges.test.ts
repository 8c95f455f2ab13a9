import { describe, expect, it } from "vitest"
import { fmAsync, useServer } from "./harness.ts"

/**
 * The command line as a client, at its edges (issue 22): the token as `fm token create` prints it,
 * values that cannot be a token, answers that are not the API's (a proxy in front), lists longer
 * than a page, and addresses that cannot be right. One `fm serve` for the file.
 */
const world = useServer()
const requestLines = () => world.server().log().split("\n").filter((l) => l.startsWith("method=")).length

describe("fm token create, as a new operator uses it", () => {
  it("prints the token alone on stdout and the sentence on stderr", async () => {
    const created = await fmAsync(["token", "create", "dora", "--role", "viewer", "--database-url", world.url()])
    expect(created.code, created.stderr).toBe(0)
    expect(created.stdout).toMatch(/^fm_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\n$/)
    expect(created.stderr).toMatch(/^Token dora \(viewer, no expiry\) created; it is shown only this once\.\n$/)
    // export FM_TOKEN=$(fm token create ...) then works.
    const me = await fmAsync(["status", "--server", world.server().base], { FM_TOKEN: created.stdout.trim() })
    expect(me.code, me.stderr).toBe(0)
  })

  it("refuses a value that cannot be a token before sending anything, exit 2", async () => {
    const before = requestLines()
    const cases: ReadonlyArray<[string, RegExp]> = [
      [`${world.viewer()}\nToken victor (viewer, no expiry) created; it is shown only this once.`, /it spans 2 lines/],
      ["fm_0123", /its part after fm_ is not 16 hexadecimal digits/],
      ["Bearer fm_x", /white space/],
      ["abc", /does not start with fm_/],
      [`${world.viewer()}x`, /secret part is not 43 base64url characters/]
    ]
    for (const [token, problem] of cases) {
      const result = await fmAsync(["alert", "list", "--server", world.server().base, "--token", token])
      expect(result.code, result.stderr).toBe(2)
      expect(result.stderr.trim()).toMatch(/^The value of --token \(or FM_TOKEN\) is not an fm token: .*\.$/)
      expect(result.stderr).toMatch(problem)
      expect(result.stderr).not.toContain(world.viewer().slice(20))
    }
    expect(requestLines()).toBe(before)
  })
})
