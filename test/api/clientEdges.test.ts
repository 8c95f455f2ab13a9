import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ids, sitrepDocument, writeDocument } from "../cli/sitreps.ts"
import { tokenShapeProblem } from "@fm-rendezvous/app/shared/tokenShape"
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
    // What `export FM_TOKEN=$(fm token create ...)` captured before the fix: two lines.
    const result = await fmAsync(["alert", "list", "--server", world.server().base, "--token", `${world.viewer()}\nToken victor (viewer, no expiry) created; it is shown only this once.`])
    expect(result.code, result.stderr).toBe(2)
    expect(result.stderr.trim()).toBe("The value of --token (or FM_TOKEN) is not an fm token: it spans 2 lines (only the first line of fm token create's output is the token).")
    expect(requestLines()).toBe(before)
    // The other shapes, judged by the same function in process (one fm run is enough for the wiring).
    expect(tokenShapeProblem(world.viewer())).toBeUndefined()
    expect(tokenShapeProblem("fm_0123")).toMatch(/its part after fm_ is not 16 hexadecimal digits/)
    expect(tokenShapeProblem("Bearer fm_x")).toMatch(/white space/)
    expect(tokenShapeProblem("abc")).toMatch(/does not start with fm_/)
    expect(tokenShapeProblem(`${world.viewer()}x`)).toMatch(/secret part is not 43 base64url characters/)
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
    // One status per branch of the table (401 and 403 share one, 502-504 another).
    const expected: ReadonlyArray<[number, number]> = [[413, 2], [403, 1], [500, 1], [502, 3], [504, 3]]
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
    const runs = await Promise.all([direct(["alert", "list", "--limit", "0"]), remote(["alert", "list", "--limit", "-1"])])
    for (const x of runs) {
      expect(x.code, x.stderr).toBe(2)
      expect(x.stdout).toBe("")
      expect(x.stderr.trim()).toMatch(/^--limit takes a whole number of 1 or more, not -?\d+; --all lists every one\.$/)
    }
  })
})

describe("client addresses and token options that cannot be right (issue 25.10, 22.7)", () => {
  it("names what is wrong with the address: exit 2 for what cannot be right, a sentence for a name that does not resolve", async () => {
    const port = new URL(world.server().base).port
    const at = (server: string) => fmAsync(["status", "--server", server, "--token", world.viewer()])
    const [bare, ftp, tls, unknown] = await Promise.all([at(`127.0.0.1:${port}`), at("ftp://x"), at(`https://127.0.0.1:${port}`), at("http://no-such-host.invalid:8080")])
    expect(bare.code, bare.stderr).toBe(2)
    expect(bare.stderr.trim()).toMatch(/not "127\.0\.0\.1:\d+": it has no scheme \(add http:\/\/ or https:\/\/\)\.$/)
    expect(ftp.code, ftp.stderr).toBe(2)
    expect(ftp.stderr.trim()).toMatch(/must be an http:\/\/ or https:\/\/ URL, not ftp:\/\//)
    expect(tls.code, tls.stderr).toBe(2)
    expect(tls.stderr.trim()).toMatch(/the TLS handshake failed \(an https:\/\/ address for a plain http:\/\/ server/)
    expect(unknown.code, unknown.stderr).toBe(3)
    const lines = unknown.stderr.trim().split("\n")
    expect(lines[0]).toBe("Warning: the token goes in clear text over http:// to no-such-host.invalid; use https:// (a TLS proxy in front of fm serve, docs/OPERATIONS.md).")
    expect(lines[1]).toMatch(/could not be reached: its host name does not resolve; retry later\.$/)
  })

  it("refuses an endless lifetime and the executors' name in any case, exit 2, creating nothing", async () => {
    const create = (args: ReadonlyArray<string>) => fmAsync(["token", "create", ...args, "--role", "viewer", "--database-url", world.url()])
    const runs = await Promise.all([create(["eve", "--expires-in", "Infinity"]), create(["eve", "--expires-in", "100000000 weeks"]), create(["FM-EXECUTOR"])])
    for (const r of runs) expect(r.code, r.stderr).toBe(2)
    expect(runs[0]!.stderr).toMatch(/^--expires-in takes a positive duration of at most 100 years/)
    expect(runs[2]!.stderr.trim()).toBe("fm-executor is the executors' own identity; no token may be named so.")
    const listed = await fmAsync(["token", "list", "--json", "--database-url", world.url()])
    expect(listed.json().map((t: { name: string }) => t.name)).not.toContain("eve")
  })
})
