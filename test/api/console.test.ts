import { describe, expect, it } from "vitest"
import { ids, sitrepDocument } from "../cli/sitreps.ts"
import { call, fmAsync, useServer } from "./harness.ts"

/**
 * What `fm serve` adds for the console (issue 23), as a real process: the page and its assets at
 * `/` and `/console/` with the security headers of SPEC 8.3a, and the status history the charts
 * read, sampled every FM_STATUS_SAMPLE_PERIOD (short here) by the definitions of SPEC 9's gauges.
 */
const world = useServer({ FM_STATUS_SAMPLE_PERIOD: "200 millis" })
const fm = (args: ReadonlyArray<string>) => fmAsync([...args, "--database-url", world.url()])

const waitFor = async <A>(read: () => Promise<A>, done: (a: A) => boolean): Promise<A> => {
  const until = Date.now() + 10_000
  for (;;) {
    const a = await read()
    if (done(a) || Date.now() > until) return a
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe("the console's server side", () => {
  it("answers the page and its files with the security headers, and nothing outside the built files", async () => {
    const base = world.server().base
    for (const path of ["/", "/console/no-such-file.js"]) {
      const answer = await call(base, "GET", path)
      expect(answer.headers.get("content-security-policy")).toContain("default-src 'self'")
      expect(answer.headers.get("content-security-policy")).toContain("frame-ancestors 'none'")
      expect(answer.headers.get("referrer-policy")).toBe("no-referrer")
      expect(answer.headers.get("x-content-type-options")).toBe("nosniff")
      if (path !== "/") expect(answer.status).toBe(404)
    }
    const page = await call(base, "GET", "/")
    if (page.status === 200) {
      // Built (npm run build): one script and one stylesheet from /console/, nothing inline, nothing from elsewhere.
      expect(page.headers.get("content-type")).toMatch(/^text\/html/)
      const sources = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)
      expect(sources.length).toBeGreaterThanOrEqual(2)
      for (const s of sources) expect(s).toMatch(/^\/console\//)
      expect(page.text).not.toMatch(/<script>|<style|style="/)
      for (const s of sources) {
        const asset = await call(base, "GET", s)
        expect(asset.status).toBe(200)
        expect(asset.headers.get("x-content-type-options")).toBe("nosniff")
        if (s.endsWith(".js")) {
          // Served gzipped; issue 23's budget: at most 150 kB of JavaScript gzipped.
          expect(asset.headers.get("content-encoding")).toBe("gzip")
          expect(Number(asset.headers.get("content-length"))).toBeLessThanOrEqual(150 * 1024)
          expect(asset.headers.get("cache-control")).toContain("immutable")
        }
      }
    } else {
      expect(page.status).toBe(404)
      expect(page.json().message).toBe("The console is not built into this program: run npm run build.")
    }
  })

  it("samples lag and backlog per kind into the history, for viewers only", async () => {
    const base = world.server().base
    expect((await call(base, "GET", "/v1/status/history")).status).toBe(401)
    const empty = await waitFor(() => call(base, "GET", "/v1/status/history", { token: world.viewer() }), (a) => a.json().samples.length > 0)
    expect(empty.status).toBe(200)
    expect(empty.json().periodSeconds).toBe(0.2)
    expect(empty.json().samples[0]).toMatchObject({ currentVersion: null, kinds: { alert: { lag: null, awaiting: 0, oldestAgeSeconds: 0 } } })

    // Published and not yet executed: a lag of one generation per kind.
    expect((await call(base, "POST", "/v1/sitreps", { token: world.admin(), body: sitrepDocument(ids.sitrep1, null, [ids.alert1, ids.alert2]) })).status).toBe(201)
    const lagging = await waitFor(() => call(base, "GET", "/v1/status/history", { token: world.viewer() }), (a) => a.json().samples.at(-1).currentVersion === 1)
    expect(lagging.json().samples.at(-1).kinds).toEqual({
      alert: { lag: 1, awaiting: 0, oldestAgeSeconds: 0 },
      support_bundle: { lag: 1, awaiting: 0, oldestAgeSeconds: 0 }
    })

    // Executed, then a sitrep that drops alert2: its marker awaits collection until a sweep.
    expect((await fm(["activate", "--executor", "nexus-1"])).code).toBe(0)
    expect((await call(base, "POST", "/v1/sitreps", { token: world.admin(), body: sitrepDocument(ids.sitrep2, ids.sitrep1, [ids.alert1]) })).status).toBe(201)
    const backlog = await waitFor(() => call(base, "GET", "/v1/status/history", { token: world.viewer() }), (a) => a.json().samples.at(-1).currentVersion === 2)
    expect(backlog.json().samples.at(-1).kinds.alert).toMatchObject({ lag: 1, awaiting: 1 })
    const samples = backlog.json().samples as ReadonlyArray<{ at: string }>
    // Oldest first.
    expect(samples.map((s) => s.at)).toEqual([...samples.map((s) => s.at)].sort())
  })
})
