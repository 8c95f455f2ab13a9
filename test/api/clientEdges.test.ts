import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ids, sitrepDocument, writeDocument } from "../cli/sitreps.ts"
import { fmAsync, useServer } from "./harness.ts"

/**
 * The command line as a client, at its edges (issue 22): the token as `fm token create` prints it,
 * values that cannot be a token, answers that are not the API's (a proxy in front), lists longer
 * than a page, and addresses that cannot be right. One `fm serve` for the file.
 */
const world = useServer()
const requestLines = () => world.server().log().split("\n").filter((l) => /^timestamp=\S+ method=/.test(l)).length

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

/** What nginx sends for an error of its own: an HTML page titled with the status. */
const REASONS: Record<number, string> = {
  401: "401 Authorization Required",
  403: "403 Forbidden",
  413: "413 Request Entity Too Large",
  500: "500 Internal Server Error",
  502: "502 Bad Gateway",
  503: "503 Service Temporarily Unavailable",
  504: "504 Gateway Time-out"
}
const nginxPage = (status: number) =>
  `<html>\r\n<head><title>${REASONS[status]}</title></head>\r\n<body>\r\n<center><h1>${REASONS[status]}</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n`

describe("answers that are not the API's (a proxy in front of it)", () => {
  let proxy: http.Server
  let base = ""
  beforeAll(async () => {
    proxy = http.createServer((request, response) => {
      request.resume()
      request.on("end", () => {
        // The test names the status the proxy answers with in the request's path.
        const answering = Number(/\/status\/(\d+)/.exec(request.url ?? "")?.[1] ?? 502)
        const body = nginxPage(answering)
        response.writeHead(answering, { server: "nginx/1.22.1", "content-type": "text/html", "content-length": Buffer.byteLength(body) })
        response.end(body)
      })
    })
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r))
    base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((r) => proxy.close(() => r())))

  it("judges them by their status: 413 -> 2, 401/403/500 -> 1, 502/503/504 -> 3, naming the status and the page", async () => {
    const document = writeDocument("api-edges-proxy.json", sitrepDocument(ids.sitrep1, null, [ids.alert1]))
    const expected: ReadonlyArray<[number, number]> = [[413, 2], [401, 1], [403, 1], [500, 1], [502, 3], [503, 3], [504, 3]]
    const results = await Promise.all(expected.map(([status]) =>
      fmAsync(["sitrep", "publish", document, "--server", `${base}/status/${status}`, "--token", world.admin()])))
    for (const [i, [status, code]] of expected.entries()) {
      const result = results[i]!
      expect(result.code, `${status}: ${result.stderr}`).toBe(code)
      const line = result.stderr.trim()
      expect(line.split("\n")).toHaveLength(1)
      expect(line).toContain(`answered HTTP ${status} (${REASONS[status]}), not with the API's answer`)
      if (code === 3) expect(line).toMatch(/retry later\.$/)
    }
    const json = await fmAsync(["sitrep", "publish", document, "--json", "--server", `${base}/status/413`, "--token", world.admin()])
    expect(json.code).toBe(2)
    expect(json.json().error).toMatchObject({ exitCode: 2 })
  })
})

describe("lists longer than a page (issue 22.3, 25.2)", () => {
  const alerts = Array.from({ length: 1103 }, (_, i) => `cccccccc-0000-4000-8000-${String(i).padStart(12, "0")}`)
  const direct = (args: ReadonlyArray<string>) => fmAsync([...args, "--database-url", world.url()])
  const remote = (args: ReadonlyArray<string>) => fmAsync([...args, "--server", world.server().base, "--token", world.viewer()])
  beforeAll(async () => {
    const document = writeDocument("api-edges-list.json", sitrepDocument(ids.sitrep2, null, alerts))
    const published = await direct(["sitrep", "publish", document, "--actor", "alice", "--role", "admin"])
    expect(published.code, published.stderr).toBe(0)
    const activated = await direct(["activate", "--executor", "nexus-1"])
    expect(activated.code, activated.stderr).toBe(0)
  }, 120_000)

  it("follows the cursors up to --limit in both modes and says when there are more", async () => {
    const [d, r, rest, all] = await Promise.all([
      direct(["alert", "list", "--limit", "1050", "--json"]),
      remote(["alert", "list", "--limit", "1050", "--json"]),
      remote(["alert", "list", "--after", alerts[1049]!, "--json"]),
      remote(["alert", "list", "--all", "--json"])
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe(d.stdout)
    const page = r.json()
    expect(page.items.map((a: { id: string }) => a.id)).toEqual(alerts.slice(0, 1050))
    expect(typeof page.nextPageToken).toBe("string")
    for (const x of [d, r]) {
      expect(x.stderr).toContain(`Showing the first 1050 alerts; there are more: --all lists every one, --page-token ${page.nextPageToken}`)
    }
    expect(rest.json()).toEqual({ items: rest.json().items, nextPageToken: null })
    expect(rest.json().items.map((a: { id: string }) => a.id)).toEqual(alerts.slice(1050, 1150))
    expect(rest.stderr).toBe("")
    expect(all.json().items).toHaveLength(alerts.length)
    expect(all.json().nextPageToken).toBeNull()
    const continued = await remote(["alert", "list", "--page-token", page.nextPageToken, "--limit", "2", "--json"])
    expect(continued.json().items.map((a: { id: string }) => a.id)).toEqual(alerts.slice(1050, 1052))
  }, 120_000)

  it("refuses a limit below 1, in both modes, exit 2", async () => {
    const runs = await Promise.all(["0", "-1"].flatMap((n) => [direct(["alert", "list", "--limit", n]), remote(["alert", "list", "--limit", n])]))
    for (const x of runs) {
      expect(x.code, x.stderr).toBe(2)
      expect(x.stdout).toBe("")
      expect(x.stderr.trim()).toMatch(/^--limit takes a whole number of 1 or more, not -?\d+; --all lists every one\.$/)
    }
  })
})
