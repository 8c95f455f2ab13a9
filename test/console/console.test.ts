import { type ChildProcess } from "node:child_process"
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs"
import { resolve } from "node:path"
import { type Browser, chromium, type Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { sqlStores, migrateDatabase } from "@fm-rendezvous/app/database/sqlStores"
import { issueToken, revokeToken } from "@fm-rendezvous/app/tokens"
import { Effect, ManagedRuntime, Option } from "effect"
import { spawnFm } from "../cli/harness.ts"
import { call, fmAsync, startServer, type Served } from "../api/harness.ts"
import { useFreshDatabase } from "../cli/harness.ts"

/**
 * The operator console (issue 23) in Debian's Chromium, driven by playwright-core, against a real
 * `fm serve` on PostgreSQL with the daemon (`fm run`) activating every second. One browser, one
 * server and one daemon for the file. Screenshots of each page go to test-results/console/;
 * FM_UPDATE_SCREENSHOT=1 also copies the overview to docs/console-overview.png.
 */
const CHROMIUM = process.env["FM_CHROMIUM"] ?? "/usr/bin/chromium"
const ROOT = resolve(import.meta.dirname, "../..")
const SHOTS = resolve(ROOT, "test-results/console")
const CONSOLE_DIR = resolve(ROOT, "packages/app/dist/console")

const url = useFreshDatabase()
let served: Served
let daemon: ChildProcess
let browser: Browser
let stores: ManagedRuntime.ManagedRuntime<any, any> | undefined
let admin = ""
let viewer = ""
const problems: Array<string> = []

const uuid = (n: number) => `a${String(n).padStart(7, "0")}-0000-4000-8000-${String(n).padStart(12, "0")}`
const alertIds = Array.from({ length: 12 }, (_, i) => uuid(i + 1))
const bundleId = "b1b1b1b1-0000-4000-8000-000000000001"
const XSS = `<img src=x onerror="window.__xss=1">`
const doc = (id: string, parentId: string | null, comment: string, alerts: ReadonlyArray<string>) => ({
  id,
  parentId,
  creatorId: "planner-1",
  comment,
  cases: [{
    id: "aaaaaaaa-0000-4000-8000-000000000001",
    comment,
    closed: false,
    alertRequests: alerts.map((a) => ({ id: a, class: "hardware.power_shelf.psu.remove", payload: { shelf: 0, slot: 2, note: XSS }, comment: "" })),
    supportBundleRequests: [{ id: bundleId, reason: "psu removal diagnostics", comment: "" }]
  }]
})
const sitrep1 = "11111111-1111-4111-8111-111111111111"
const sitrep2 = "22222222-2222-4222-8222-222222222222"

const until = async (check: () => Promise<boolean>, what: string, ms = 15_000) => {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** A page at the given size that records console errors, page errors and CSP violations. */
const open = async (width = 1280, height = 800): Promise<Page> => {
  const context = await browser.newContext({ viewport: { width, height } })
  const page = await context.newPage()
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`)
  })
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`))
  await page.addInitScript("document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))")
  return page
}

const signIn = async (page: Page, token: string) => {
  await page.goto(`${served.base}/`)
  await page.getByLabel("API token (viewer or admin)").fill(token)
  await page.getByRole("button", { name: "Sign in" }).click()
}

const shot = (page: Page, name: string) => page.screenshot({ path: resolve(SHOTS, `${name}.png`), fullPage: true })

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  if (!existsSync(resolve(CONSOLE_DIR, "index.html"))) {
    // A clean clone that runs npm test without npm run build: build the console alone.
    const { build } = await import("rolldown")
    const configs = (await import(resolve(ROOT, "packages/app/rolldown.config.js"))).default as Array<Record<string, unknown>>
    await build(configs.find((c) => String((c["output"] as { dir: string }).dir).endsWith("console"))! as never)
  }
  // The database's owner's part in-process (fm db migrate, fm token create/revoke): fewer processes to start.
  await Effect.runPromise(migrateDatabase(url()))
  stores = ManagedRuntime.make(sqlStores(url(), { migrate: false }))
  admin = (await stores.runPromise(issueToken("alice", "admin", Option.none()))).token
  viewer = (await stores.runPromise(issueToken("victor", "viewer", Option.none()))).token
  const [s, b] = await Promise.all([
    startServer(url(), { FM_STATUS_SAMPLE_PERIOD: "500 millis" }),
    chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] })
  ])
  served = s
  browser = b
  expect((await call(served.base, "POST", "/v1/sitreps", { token: admin, body: doc(sitrep1, null, "first", alertIds) })).status).toBe(201)
  expect((await call(served.base, "POST", "/v1/sitreps", { token: admin, body: doc(sitrep2, sitrep1, XSS, alertIds.slice(0, 11)) })).status).toBe(201)
  // An executor held at version 1 while version 2 is current: stale on the overview.
  const held = fmAsync(["activate", "--executor", "old-1", "--sitrep", "1", "--database-url", url()])
  daemon = spawnFm(["run", "--executor", "nexus-1", "--database-url", url()], { FM_ACTIVATION_PERIOD: "1 second" })
  // Exit 1: the activation reports itself stale (SPEC 7.2), and its report is what the overview shows.
  expect((await held).code).toBe(1)
  await until(async () => (await call(served.base, "GET", "/v1/status", { token: viewer })).json().executors.some((r: any) => r.executor === "nexus-1" && r.sitrep.version === 2), "the daemon's first activation")
})

afterAll(async () => {
  await browser?.close()
  daemon?.kill("SIGTERM")
  await served?.stop()
  await stores?.dispose()
})

describe("the operator console in Chromium", () => {
  it("refuses a wrong token with the server's sentence", async () => {
    const page = await open()
    await page.goto(`${served.base}/`)
    await page.getByLabel("API token (viewer or admin)").waitFor()
    // First view interactive: the page's own mark once the sign-in form is rendered, from
    // navigation start. Reported (docs/PERFORMANCE.md), not asserted: speed targets live in the bench.
    const interactive = await page.evaluate<number>("performance.getEntriesByName('fm-console-interactive')[0].startTime")
    const script = await page.evaluate<number>("performance.getEntriesByType('resource').filter((r) => r.name.endsWith('.js')).map((r) => r.transferSize)[0] ?? 0")
    writeFileSync(resolve(SHOTS, "timing.json"), `${JSON.stringify({ firstViewInteractiveMs: Math.round(interactive), scriptTransferBytes: script })}\n`)
    console.log(`console first view interactive: ${Math.round(interactive)} ms after navigation start`)
    expect(interactive).toBeGreaterThan(0)
    await page.getByLabel("API token (viewer or admin)").fill("fm_wrong")
    await page.getByRole("button", { name: "Sign in" }).click()
    await expect.poll(() => page.getByRole("alert").textContent()).toBe("A valid bearer token is needed (Authorization: Bearer <token>).")
    await shot(page, "sign-in-refused")
    // The token is kept for the tab only: nothing in localStorage, nothing in the URL.
    expect(await page.evaluate("localStorage.length")).toBe(0)
    await page.context().close()
  })

  it("signs in with the keyboard, shows the overview with the stale executor, and signs out", async () => {
    const page = await open()
    await page.goto(`${served.base}/`)
    await page.keyboard.press("Tab")
    expect(await page.evaluate("document.activeElement?.id")).toBe("token")
    await page.keyboard.type(viewer)
    await page.keyboard.press("Enter")
    await page.getByTestId("who").waitFor()
    expect(await page.getByTestId("who").textContent()).toBe("victor")
    expect(page.url()).not.toContain(viewer)
    const row = page.locator('[data-executor="old-1"]')
    await row.waitFor()
    expect(await row.textContent()).toContain("stale")
    expect(await page.locator('[data-executor="nexus-1"]').textContent()).toContain("current")
    expect(await page.getByTestId("current-sitrep").textContent()).toContain("Published byalice")
    expect(await page.getByTestId("current-sitrep").textContent()).toContain("Planner's labelplanner-1")
    // It refreshes by itself and says when.
    const first = await page.getByTestId("refreshed").textContent()
    await expect.poll(() => page.getByTestId("refreshed").textContent(), { timeout: 8000 }).not.toBe(first)
    await page.getByText("Markers awaiting collection, last hour").waitFor()
    await shot(page, "overview")
    if (process.env["FM_UPDATE_SCREENSHOT"] === "1") copyFileSync(resolve(SHOTS, "overview.png"), resolve(ROOT, "docs/console-overview.png"))
    await page.getByRole("button", { name: "Sign out" }).click()
    await page.getByLabel("API token (viewer or admin)").waitFor()
    expect(await page.evaluate("sessionStorage.length")).toBe(0)
    await page.context().close()
  })

  it("pages through alerts with the API's cursors and looks up an id; a viewer sees no Delete", async () => {
    const page = await open()
    await signIn(page, viewer)
    await page.getByRole("link", { name: "Alerts" }).click()
    const ids = () => page.getByTestId("resource-list").locator("tbody th").allTextContents()
    await expect.poll(ids).toEqual(alertIds.slice(0, 10))
    await page.getByRole("button", { name: "Next page" }).click()
    // The current sitrep requests the first 11 (the 12th only version 1, which no current executor held).
    await expect.poll(ids).toEqual(alertIds.slice(10, 11))
    expect(await page.getByRole("button", { name: "Next page" }).isDisabled()).toBe(true)
    await shot(page, "alerts-page-2")
    await page.getByRole("button", { name: "Previous page" }).click()
    await expect.poll(ids).toEqual(alertIds.slice(0, 10))
    await page.getByLabel("Look up alert id").fill(alertIds[0]!)
    await page.getByRole("button", { name: "Show" }).click()
    await expect.poll(() => page.getByTestId("story").textContent()).toContain("Created by FMyes, at generation 2")
    expect(await page.getByRole("button", { name: "Delete" }).count()).toBe(0)
    await shot(page, "alert-viewer")
    await page.context().close()
  })

  it("lets an admin delete an alert: the page shows the tombstone with the token's name, and an activation does not bring it back", async () => {
    const page = await open()
    await signIn(page, admin)
    const id = alertIds[1]!
    await page.goto(`${served.base}/#/alerts/${id}`)
    await page.getByRole("button", { name: "Delete" }).click()
    const dialog = page.getByRole("dialog")
    expect(await dialog.getByRole("heading").textContent()).toBe(`Delete alert ${id}?`)
    await shot(page, "alert-delete-confirm")
    await dialog.getByRole("button", { name: `Delete ${id}` }).click()
    await expect.poll(() => page.getByRole("status").first().textContent()).toBe(`The alert ${id} was deleted.`)
    await expect.poll(() => page.getByTestId("deleted").textContent()).toMatch(/^yes, by alice at /)
    // The daemon activates again (the current sitrep still requests it); the alert stays deleted.
    const before = Date.now()
    await until(async () => (await call(served.base, "GET", "/v1/status", { token: viewer })).json().executors.some((r: any) => r.executor === "nexus-1" && Date.parse(r.activatedAt) > before), "an activation after the delete")
    await page.reload()
    await page.getByTestId("absent").waitFor()
    expect(await page.getByTestId("deleted").textContent()).toMatch(/^yes, by alice at /)
    expect(await page.getByTestId("story").textContent()).toContain("Requested by the current sitrepyes, version 2, case aaaaaaaa-0000-4000-8000-000000000001")
    await shot(page, "alert-deleted")
    await page.context().close()
  })

  it("comments on a bundle as an admin and shows a refusal in the server's words", async () => {
    const page = await open()
    await signIn(page, admin)
    await page.goto(`${served.base}/#/support-bundles/${bundleId}`)
    await page.getByLabel("Operator comment").fill(XSS)
    await page.getByRole("button", { name: "Save comment" }).click()
    await expect.poll(() => page.getByTestId("row").textContent()).toContain(XSS)
    expect(await page.getByTestId("row").locator("img").count()).toBe(0)
    // A comment over 4096 bytes is refused by the server (400), shown as its sentence.
    await page.getByLabel("Operator comment").fill("x".repeat(5000))
    await page.getByRole("button", { name: "Save comment" }).click()
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/4096/)
    await shot(page, "bundle-admin")
    await page.context().close()
  })

  it("shows the sitrep history with counts and renders the XSS sitrep as text", async () => {
    const page = await open()
    await signIn(page, viewer)
    await page.getByRole("link", { name: "Sitreps" }).click()
    const rows = page.getByTestId("sitrep-history").locator("tbody tr")
    await expect.poll(() => rows.count()).toBe(2)
    expect(await rows.nth(0).textContent()).toContain("+0 / −1")
    expect(await rows.nth(1).textContent()).toContain("+12 / −0")
    // Issue 25.4: who published it (the token's name), then the planner's own label, then the comment.
    expect(await rows.nth(0).locator("td").nth(0).textContent()).toBe("alice")
    expect(await rows.nth(0).locator("td").nth(1).textContent()).toBe("planner-1")
    expect(await rows.nth(0).locator("td").nth(3).textContent()).toBe(XSS)
    await shot(page, "sitreps")
    await rows.nth(0).getByRole("link").click()
    await expect.poll(() => page.getByTestId("sitrep-comment").textContent()).toBe(XSS)
    expect(await page.locator("main img").count()).toBe(0)
    expect(await page.evaluate("window.__xss")).toBeUndefined()
    await shot(page, "sitrep-2")
    await page.context().close()
  })

  it("fits a phone's width, and a revoked token returns to sign-in with the server's sentence", async () => {
    const page = await open(390, 844)
    await signIn(page, viewer)
    await page.locator('[data-executor="old-1"]').waitFor()
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390)
    await shot(page, "overview-phone")
    await stores!.runPromise(revokeToken("victor"))
    await page.getByRole("link", { name: "Sitreps" }).click()
    await expect.poll(() => page.getByRole("alert").textContent()).toBe("A valid bearer token is needed (Authorization: Bearer <token>).")
    expect(await page.getByLabel("API token (viewer or admin)").isVisible()).toBe(true)
    await page.context().close()
  })

  it("met no console error and no CSP violation during the whole run", () => {
    // The refused sign-ins (401) and the over-long comment (400) above are refused on purpose:
    // Chromium logs each refused fetch. Nothing else may be logged.
    const refusedOnPurpose = /^console error: Failed to load resource: the server responded with a status of (401 \(Unauthorized\)|400 \(Bad Request\))$/
    expect(problems.filter((p) => !refusedOnPurpose.test(p))).toEqual([])
    expect(problems.some((p) => p.includes("401"))).toBe(true)
  })
})
