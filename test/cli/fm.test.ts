import { describe, expect, it } from "vitest"
import { runFm, useFreshDatabase } from "./harness.ts"
import { ids, sitrepDocument, writeDocument } from "./sitreps.ts"

/**
 * End to end through the real `fm` binary (SPEC 7.2, 7.3): one fresh database, the story of one
 * alert from publish to tombstone to collected marker, with the exit codes and JSON on the way.
 * The tests run in order and build on each other, as an operator's session would.
 */
const databaseUrl = useFreshDatabase()
const fm = (args: ReadonlyArray<string>, options: { env?: Record<string, string>; input?: string } = {}) =>
  runFm([...args, "--database-url", databaseUrl()], options)
const admin = ["--actor", "alice", "--role", "admin"]

const expectOneSentence = (stderr: string) => {
  const lines = stderr.trim().split("\n")
  expect(lines).toHaveLength(1)
  expect(stderr).not.toMatch(/at .*\.ts:\d+|Error:|FiberFailure|\{$/)
}

describe("fm against a fresh database", () => {
  it("migrates, idempotently", () => {
    expect(fm(["db", "migrate"]).code).toBe(0)
    const again = fm(["db", "migrate", "--json"])
    expect(again.code).toBe(0)
    expect(again.json().migrated).toBe(true)
  })

  it("has nothing to show before the first publish", () => {
    const shown = fm(["sitrep", "show", "--json"])
    expect(shown.code).toBe(1)
    expectOneSentence(shown.stderr)
    expect(shown.json()).toEqual({ error: "NotFound", message: shown.stderr.trim() })
    const status = fm(["status", "--json"])
    expect(status.code).toBe(0)
    expect(status.json()).toEqual({ currentSitrep: null, executors: [], reconciled: {} })
  })

  it("refuses invalid files with exit 2 and one sentence", () => {
    const cases = [
      writeDocument("not-json.json", "{ this is not json"),
      writeDocument("unknown-field.json", sitrepDocument(ids.sitrep1, null, [ids.alert1], { colour: "red" })),
      writeDocument("bad-uuid.json", sitrepDocument("not-a-uuid", null, [ids.alert1])),
      writeDocument("duplicate.json", sitrepDocument(ids.sitrep1, null, [ids.alert1, ids.alert1])),
      writeDocument("long-comment.json", { ...sitrepDocument(ids.sitrep1, null, [ids.alert1]), comment: "x".repeat(5000) }),
      "/nonexistent/sitrep.json"
    ]
    for (const file of cases) {
      const result = fm(["sitrep", "publish", "--actor", "alice", "--role", "admin", file])
      expect(result.code, file).toBe(2)
      expectOneSentence(result.stderr)
      expect(result.stdout).toBe("")
    }
    expect(fm(["sitrep", "show"]).code).toBe(1) // nothing was written
  })

  it("publishes from a file and prints the version it became", () => {
    const result = fm(["sitrep", "publish", "--actor", "alice", "--role", "admin", writeDocument("s1.json", sitrepDocument(ids.sitrep1, null, [ids.alert1, ids.alert2])), "--json"])
    expect(result.code).toBe(0)
    expect(result.json()).toMatchObject({ id: ids.sitrep1, version: 1, generations: { alert: 1, support_bundle: 1 } })
  })

  it("refuses a parent that is not current with exit 1", () => {
    const result = fm(["sitrep", "publish", "--actor", "alice", "--role", "admin", writeDocument("orphan.json", sitrepDocument(ids.sitrep2, ids.unknown, [ids.alert1]))])
    expect(result.code).toBe(1)
    expectOneSentence(result.stderr)
    expect(result.stderr).toContain("not current")
  })

  it("activates: the report of SPEC 7.3", () => {
    const result = fm(["activate", "--executor", "nexus-1", "--json"])
    expect(result.code).toBe(0)
    const report = result.json()
    expect(report).toMatchObject({ executor: "nexus-1", sitrep: { id: ids.sitrep1, version: 1 } })
    expect(report.kinds.alert).toMatchObject({
      generation: 1, requested: 2, created: 2, alreadyExisted: 0, tombstoned: 0, stale: false, errors: [],
      executedThrough: 1, skipped: false
    })
    expect(report.kinds.support_bundle).toMatchObject({ generation: 1, requested: 1, created: 1 })
    expect(typeof report.kinds.alert.markersSwept).toBe("number")
    expect(typeof report.kinds.alert.sweepPages).toBe("number")
  })

  it("publishes from stdin, deriving generations from the parent", () => {
    const document = JSON.stringify(sitrepDocument(ids.sitrep2, ids.sitrep1, [ids.alert1, ids.alert3]))
    const result = fm(["sitrep", "publish", "--actor", "alice", "--role", "admin", "-", "--json"], { input: document })
    expect(result.code).toBe(0)
    expect(result.json()).toMatchObject({ version: 2, generations: { alert: 2, support_bundle: 1 } })
  })

  it("refuses to create from a stale --sitrep, with exit 1 and the report", () => {
    const result = fm(["activate", "--executor", "nexus-2", "--sitrep", "1", "--json"])
    expect(result.code).toBe(1)
    expectOneSentence(result.stderr)
    expect(result.stderr).toContain("stale")
    const report = result.json()
    expect(report.sitrep.version).toBe(1)
    expect(report.kinds.alert).toMatchObject({ stale: true, created: 0, currentGeneration: 2 })
    expect(report.kinds.support_bundle.stale).toBe(false) // its generation is still current
  })

  it("creates from the current sitrep", () => {
    const result = fm(["activate", "--executor", "nexus-1", "--json"])
    expect(result.code).toBe(0)
    // Only what entered after generation 1 (executed by nexus-1 before) is executed (issue 13).
    expect(result.json().kinds.alert).toMatchObject({ generation: 2, created: 1, alreadyExisted: 0, stale: false })
  })

  it("lets only an admin delete: anonymous and viewer are refused and change nothing", () => {
    const anonymous = fm(["alert", "delete", ids.alert1, "--json"])
    expect(anonymous.code).toBe(1)
    expectOneSentence(anonymous.stderr)
    expect(anonymous.json().error).toBe("NotAuthorized")
    const viewer = fm(["alert", "delete", ids.alert1, "--actor", "victor", "--role", "viewer"])
    expect(viewer.code).toBe(1)
    expect(viewer.stderr).toContain("viewer")
    const impostor = fm(["alert", "delete", ids.alert1, "--actor", "fm-executor", "--role", "admin"])
    expect(impostor.code).toBe(1)
    expect(fm(["alert", "show", ids.alert1, "--json"]).json().id).toBe(ids.alert1)

    const deleted = fm(["alert", "delete", ids.alert1, "--json"], { env: { FM_ACTOR: "alice", FM_ROLE: "admin" } })
    expect(deleted.code).toBe(0)
    expect(deleted.json()).toMatchObject({ id: ids.alert1, outcome: "deleted", by: "alice" })
    const again = fm(["alert", "delete", ids.alert1, ...admin, "--json"])
    expect(again.code).toBe(0)
    expect(again.json().outcome).toBe("alreadyDeleted")
    expect(fm(["alert", "show", ids.alert1]).code).toBe(1)
  })

  it("never re-creates the deleted alert", () => {
    const result = fm(["activate", "--executor", "nexus-1", "--json"])
    expect(result.code).toBe(0)
    // The generation was already executed: nothing per request, nothing resurrected.
    expect(result.json().kinds.alert.created).toBe(0)
    expect(fm(["alert", "show", ids.alert1]).code).toBe(1)
    const explained = fm(["explain", ids.alert1, "--json"]).json()
    expect(explained).toMatchObject({
      id: ids.alert1, kind: "alert", exists: false, fmCreated: true, createdAtGeneration: 1,
      requestedByCurrentSitrep: true, markerCollectible: false
    })
    expect(explained.deleted.by).toBe("alice")
    expect(typeof explained.reason).toBe("string")
  })

  it("moves a deleted bundle to destroying and lets an admin comment on bundles", () => {
    const commented = fm(["bundle", "comment", ids.bundle1, "collected by hand", ...admin, "--json"])
    expect(commented.code).toBe(0)
    expect(fm(["bundle", "show", ids.bundle1, "--json"]).json()).toMatchObject({ userComment: "collected by hand", state: "collecting" })
    expect(fm(["bundle", "comment", ids.bundle1, "x"]).code).toBe(1)
    expect(fm(["bundle", "delete", ids.bundle1, ...admin, "--json"]).json().outcome).toBe("destroying")
    expect(fm(["bundle", "list", "--json"]).json().items[0]).toMatchObject({ id: ids.bundle1, state: "destroying" })
  })

  it("sweeps the marker once the lineage drops the request", () => {
    const document = sitrepDocument(ids.sitrep3, ids.sitrep2, [ids.alert3])
    expect(fm(["sitrep", "publish", "--actor", "alice", "--role", "admin", writeDocument("s3.json", document)]).code).toBe(0)
    const report = fm(["activate", "--executor", "nexus-1", "--json"]).json()
    expect(report.kinds.alert.generation).toBe(3)
    expect(report.kinds.alert.markersSwept).toBeGreaterThanOrEqual(1)
    const explained = fm(["explain", ids.alert1, "--json"]).json()
    expect(explained).toMatchObject({ fmCreated: false, requestedByCurrentSitrep: false, exists: false })
    // alert2 was dropped at generation 2 while live: its resource stays, its marker is gone.
    const live = fm(["explain", ids.alert2, "--json"]).json()
    expect(live).toMatchObject({ exists: true, fmCreated: true, createdAtGeneration: null, markerCollectible: false })
    expect(live.reason).toMatch(/its marker was already collected/)
  })

  it("explains an unknown id and refuses a malformed one", () => {
    expect(fm(["explain", ids.unknown, "--json"]).json()).toMatchObject({ kind: null, exists: false })
    const malformed = fm(["explain", "not-a-uuid", "--json"])
    expect(malformed.code).toBe(2)
    expectOneSentence(malformed.stderr)
  })

  it("shows status: the last report of each executor, in JSON and in plain words", () => {
    const json = fm(["status", "--json"])
    expect(json.code).toBe(0)
    const reports = json.json().executors
    expect(reports.map((r: any) => r.executor).sort()).toEqual(["nexus-1", "nexus-2"])
    const human = fm(["status"])
    expect(human.code).toBe(0)
    for (const label of [
      "requested in this sitrep:",
      "created in this activation:",
      "already existed:",
      "not re-created: deleted by an operator:",
      "stale sitrep: no (current generation 3)",
      "executed through generation:",
      "(lag 0 at activation)",
      "creation markers swept:"
    ]) expect(human.stdout).toContain(label)
  })

  it("shows sitreps and prunes history", () => {
    expect(fm(["sitrep", "show", "--json"]).json()).toMatchObject({ id: ids.sitrep3, version: 3, generations: { alert: 3 } })
    expect(fm(["sitrep", "show", "1", "--json"]).json().id).toBe(ids.sitrep1)
    expect(fm(["sitrep", "show", "99"]).code).toBe(1)
    expect(fm(["sitrep", "prune", "--actor", "alice", "--role", "admin", "--keep", "0"]).code).toBe(2)
    const pruned = fm(["sitrep", "prune", "--actor", "alice", "--role", "admin", "--keep", "1", "--json"])
    expect(pruned.code).toBe(0)
    expect(pruned.json()).toMatchObject({ keep: 1, removedVersions: 2 })
    expect(fm(["sitrep", "show", "1"]).code).toBe(1)
    const stalePruned = fm(["activate", "--executor", "nexus-2", "--sitrep", "1"])
    expect(stalePruned.code).toBe(1) // that version is no longer in the history
  })

  it("rejects unknown commands and flags with exit 2, one sentence, no JSON mixed into stdout", () => {
    for (const args of [["frobnicate"], ["status", "--frobnicate"], ["alert", "list", "--limit", "many"], ["sitrep"], ["activate"]]) {
      const result = fm(args)
      expect(result.code, args.join(" ")).toBe(2)
      expect(result.stderr.trim().split("\n").at(-1)).toMatch(/\.$/)
    }
    const json = fm(["status", "--frobnicate", "--json"])
    expect(json.code).toBe(2)
    expectOneSentence(json.stderr)
    expect(json.json()).toEqual({ error: "Usage", message: json.stderr.trim() })
  })

  it("prints exactly one JSON document for every command", () => {
    for (const args of [["status"], ["alert", "list"], ["bundle", "list"], ["sitrep", "show"], ["explain", ids.alert3], ["alert", "show", ids.alert3]]) {
      const result = fm([...args, "--json"])
      expect(result.code, args.join(" ")).toBe(0)
      expect(() => result.json()).not.toThrow()
    }
  })
})
