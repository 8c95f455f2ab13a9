import { memoryLayer } from "@fm-rendezvous/adapters-memory"
import {
  Authorization,
  type ActivationReport,
  type Generation,
  InvalidInput,
  defaultKinds,
  makeRegistry,
  NotAuthorized,
  NotFound,
  ParentNotCurrent,
  publishSitrep,
  type HeldSitrep,
  type SitrepVersion,
  StoreError
} from "@fm-rendezvous/domain"
import { Cause, ConfigProvider, Duration, Effect, Option } from "effect"
import { parseExpiresIn } from "../src/tokens.ts"
import { decodeDeleteReport, deleteReportOf, encodeDeleteReport } from "../src/shared/deleteReport.ts"
import { describe, expect, it } from "vitest"
import { ExecutorSettings } from "../src/config.ts"
import { makeSitrepLoader, replaceIfNewer } from "../src/daemon/loader.ts"
import { type Failure, Refused, Usage, verdictOf } from "../src/shared/failure.ts"
import { renderReport, reportToJson } from "../src/render/report.ts"

const kindReport = (over: Partial<ActivationReport["kinds"][string]> = {}): ActivationReport["kinds"][string] => ({
  generation: 12n as Generation,
  currentGeneration: 12n as Generation,
  requested: 40,
  created: 2,
  alreadyExisted: 35,
  tombstoned: 3,
  stale: false,
  errors: [],
  errorCount: 0,
  executedThrough: 12n as Generation,
  markersSwept: 5,
  sweepPages: 1,
  skipped: false,
  sweepSkipped: false,
  reconciled: false,
  ...over
})

const report: ActivationReport = {
  executor: "nexus-1",
  sitrep: { id: "4f0c9a8e-2f1b-4c4e-9d55-3b1c2a7f8e01", version: 69 as SitrepVersion },
  currentSitrep: { id: "4f0c9a8e-2f1b-4c4e-9d55-3b1c2a7f8e01", version: 69 as SitrepVersion },
  activatedAt: "2026-11-24T10:00:00.000Z",
  kinds: {
    alert: kindReport(),
    support_bundle: kindReport({ generation: 7n as Generation, currentGeneration: 9n as Generation, executedThrough: 7n as Generation, stale: true, created: 0 })
  }
}

const registry = makeRegistry(defaultKinds)

describe("status rendering (SPEC 6)", () => {
  it("does not claim a stale activation created nothing when a batch before the stale one created some", () => {
    const partial = { ...report, kinds: { alert: kindReport({ stale: true, created: 500, currentGeneration: 13n as Generation }) } }
    const text = renderReport(registry, partial)
    expect(text).toContain("so it stopped creating after 500 resources; load the current sitrep)")
    expect(text).not.toContain("created nothing")
    expect(renderReport(registry, report)).toContain("so it created nothing; load the current sitrep)")
  })

  it("says everything in plain, aligned words", () => {
    const text = renderReport(registry, report)
    expect(text).toContain("alerts (generation 12):")
    expect(text).toMatch(/ {2}requested in this sitrep: +40\n/)
    expect(text).toMatch(/ {2}not re-created: deleted by an operator: +3\n/)
    expect(text).toContain("stale sitrep: no (current generation 12)")
    expect(text).toMatch(/executed through generation: +12 +\(lag 0 at activation\)/)
    expect(text).toMatch(/creation markers swept: +5 +in 1 page/)
    expect(text).toContain("support bundles (generation 7):")
    expect(text).toMatch(/stale sitrep: yes \(current generation 9/)
    expect(text).toMatch(/executed through generation: +7 +\(lag 2 at activation\)/)
    // Counts line up in one column.
    const columns = text.split("\n").filter((l) => /^ {2}[a-z].*: +\d/.test(l)).map((l) => l.search(/\d+(\s|$)/) + l.match(/\d+(\s|$)/)![0].trim().length)
    expect(new Set(columns).size).toBe(1)
  })

  it("prints SPEC 7.3 JSON with generations as numbers, or strings above 2^53", () => {
    const big = { ...report, kinds: { alert: kindReport({ generation: 9007199254740993n as Generation, currentGeneration: 9007199254740993n as Generation, executedThrough: 9007199254740993n as Generation }) } }
    const json = JSON.parse(JSON.stringify(reportToJson(big)))
    expect(json.kinds.alert).toMatchObject({ generation: "9007199254740993", executedThrough: "9007199254740993", lag: 0 })
    expect(JSON.parse(JSON.stringify(reportToJson(report))).kinds.alert).toMatchObject({ generation: 12, executedThrough: 12, markersSwept: 5, sweepPages: 1, skipped: false })
  })
})

describe("one place maps failures to exit codes (SPEC 7.2)", () => {
  const verdict = (e: Failure) => verdictOf(Cause.fail(e))
  it("refusals exit 1, bad input exits 2, each as one sentence", () => {
    expect(verdict(new NotAuthorized({ message: "bob has the viewer role; deleting needs admin." })).exitCode).toBe(1)
    expect(verdict(new Refused({ message: "stale" })).exitCode).toBe(1)
    expect(verdict(new InvalidInput({ message: "bad\ninput" }))).toMatchObject({ exitCode: 2, sentence: "bad input." })
    expect(verdict(new Usage({ message: "--steps must be at least 1." })).exitCode).toBe(2)
    expect(verdict(new StoreError({ message: "boom" })).sentence).toBe("The database could not do it: boom.")
    expect(verdictOf(Cause.die(new Error("bug"))).sentence).toBe("Unexpected failure: bug.")
  })

  it("gives each failure its SPEC 8.4 status and name, and exit 3 to a database that cannot be reached", () => {
    const cases: ReadonlyArray<readonly [Failure, number, number, string]> = [
      [new InvalidInput({ message: "bad" }), 2, 400, "InvalidInput"],
      [new NotAuthorized({ message: "no" }), 1, 403, "NotAuthorized"],
      [new NotFound({ message: "none" }), 1, 404, "NotFound"],
      [new ParentNotCurrent({ message: "moved" }), 1, 409, "ParentNotCurrent"],
      [new StoreError({ message: "refused", unavailable: true, sqlstate: "57P03" }), 3, 503, "Unavailable"],
      [new StoreError({ message: "boom", sqlstate: "XX000" }), 1, 500, "StoreError"],
      [new StoreError({ message: "gone", sqlstate: "42P01" }), 1, 500, "StoreError"]
    ]
    for (const [failure, exitCode, httpStatus, reason] of cases) {
      expect(verdict(failure), failure._tag).toMatchObject({ exitCode, httpStatus, reason })
    }
    expect(verdict(new StoreError({ message: "gone", sqlstate: "42P01" })).sentence).toMatch(/run fm db migrate\.$/)
    expect(verdictOf(Cause.die(new Error("bug")))).toMatchObject({ exitCode: 1, httpStatus: 500, reason: "Unexpected" })
  })

  it("refuses bad configuration at start, naming the variable", async () => {
    const result = await Effect.runPromise(Effect.result(ExecutorSettings).pipe(
      Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env: { FM_BATCH_SIZE: "0" } }))
    ))
    expect(result._tag).toBe("Failure")
    if (result._tag === "Failure") {
      expect(verdict(result.failure)).toMatchObject({ exitCode: 2, sentence: "Configuration FM_BATCH_SIZE must be at least 1." })
    }
  })
})

describe("one duration syntax (issue 25.9)", () => {
  const settings = (env: Record<string, string>) =>
    Effect.runPromise(Effect.result(ExecutorSettings).pipe(Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))))

  it("FM_ACTIVATION_PERIOD takes the short forms --expires-in takes, and the long ones", async () => {
    for (const [text, millis] of [["10s", 10_000], ["1m", 60_000], ["500ms", 500], ["10 seconds", 10_000], ["2h", 7_200_000]] as const) {
      const result = await settings({ FM_ACTIVATION_PERIOD: text })
      expect(result._tag, text).toBe("Success")
      if (result._tag === "Success") expect(Duration.toMillis(result.success.activationPeriod), text).toBe(millis)
    }
    for (const text of ["0s", "ten", "10x"]) {
      const result = await settings({ FM_ACTIVATION_PERIOD: text })
      expect(result._tag, text).toBe("Failure")
      if (result._tag === "Failure") expect(verdictOf(Cause.fail(result.failure as Failure)).sentence, text).toMatch(/^Configuration FM_ACTIVATION_PERIOD /)
    }
  })

  it("--expires-in reads the same shorthand", async () => {
    expect(Duration.toMillis(await Effect.runPromise(parseExpiresIn("500ms")))).toBe(500)
    expect(Duration.toMillis(await Effect.runPromise(parseExpiresIn("90d")))).toBe(90 * 86_400_000)
  })
})

describe("the daemon's sitrep loader", () => {
  const sitrep = (version: number) => ({ version: version as SitrepVersion }) as HeldSitrep
  it("never replaces a held sitrep with a lower or equal version", () => {
    expect(Option.getOrThrow(replaceIfNewer(Option.some(sitrep(5)), sitrep(4))).version).toBe(5)
    expect(Option.getOrThrow(replaceIfNewer(Option.some(sitrep(5)), sitrep(6))).version).toBe(6)
    expect(Option.getOrThrow(replaceIfNewer(Option.none(), sitrep(1))).version).toBe(1)
  })

  it("loads the current sitrep once, and does not go back to an older one", async () => {
    const program = Effect.gen(function*() {
      const loader = yield* makeSitrepLoader()
      expect(yield* loader.refresh).toBe(false) // nothing published
      const grant = yield* (yield* Authorization).requireAdmin({ name: "p", role: "admin" }, "publishing")
      yield* publishSitrep(grant, { id: "11111111-1111-4111-8111-111111111111", parentId: null, creatorId: "p", comment: "", cases: [] })
      expect(yield* loader.refresh).toBe(true)
      expect(yield* loader.refresh).toBe(false)
      const ahead = yield* makeSitrepLoader(Option.some(sitrep(9)))
      expect(yield* ahead.refresh).toBe(false)
      expect(Option.getOrThrow(yield* ahead.held).version).toBe(9)
    })
    await Effect.runPromise(Effect.provide(program, memoryLayer()))
  })
})

describe("the delete report (issue 25.8): one set of names in --json and the fm-delete-outcome header", () => {
  it("says each plan in the contract's words, and reads back what it wrote", () => {
    const at = new Date("2026-11-24T10:00:00.000Z")
    const cases = [
      [{ _tag: "Remove", stampMarker: true, fmCreated: true }, "deleted;fm-created", { outcome: "deleted", fmCreated: true }],
      [{ _tag: "Remove", stampMarker: true, fmCreated: false }, "deleted;fm-created=?0", { outcome: "deleted", fmCreated: false }],
      [{ _tag: "BeginDestroying", state: "destroying", stampMarker: true, fmCreated: true }, `destroying;state="destroying";fm-created`, { outcome: "destroying", state: "destroying", fmCreated: true }],
      [{ _tag: "AlreadyDeleted", at, by: "alice" }, `alreadyDeleted;deleted-at="2026-11-24T10:00:00.000Z";deleted-by="alice"`, { outcome: "alreadyDeleted", deletedAt: at.toISOString(), deletedBy: "alice" }],
      [{ _tag: "AlreadyDeleted", at: null, by: null }, "alreadyDeleted", { outcome: "alreadyDeleted", deletedAt: null, deletedBy: null }],
      // A name outside printable ASCII travels as an RFC 9651 display string.
      [{ _tag: "AlreadyDeleted", at, by: "zoë \"z\"" }, `alreadyDeleted;deleted-at="2026-11-24T10:00:00.000Z";deleted-by=%"zo%c3%ab %22z%22"`, { outcome: "alreadyDeleted", deletedAt: at.toISOString(), deletedBy: "zoë \"z\"" }]
    ] as const
    for (const [plan, header, report] of cases) {
      expect(deleteReportOf(plan as never)).toEqual(report)
      expect(encodeDeleteReport(report)).toBe(header)
      expect(decodeDeleteReport(header)).toEqual(report)
    }
  })

  it("does not take an older server's header, or no header, for a report", () => {
    for (const header of [undefined, "", `{"_tag":"Remove","stampMarker":true,"fmCreated":true}`, "exploded;fm-created", "deleted;;"]) {
      expect(decodeDeleteReport(header), String(header)).toBeUndefined()
    }
  })
})
