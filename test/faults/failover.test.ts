import { randomUUID } from "node:crypto"
import { type KindName, requestsOf, type SitrepVersion, SitrepStore } from "@fm-rendezvous/domain"
import { type HaCluster, startHaCluster } from "@fm-rendezvous/testkit/ha"
import { Effect, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { publishLog } from "../support/invariants.ts"
import {
  type DaemonProcess,
  type FaultWorld,
  faultWorld,
  freshIds,
  KINDS,
  runFm,
  sleep,
  spawnFm,
  startDaemon,
  waitUntil
} from "./harness.ts"

/**
 * Fault: the database fails over (issue 21). A replicated PostgreSQL (deploy/ha: three nodes
 * under Patroni, synchronous_mode, HAProxy in front) carries the whole workload: the planner
 * publishing through `fm serve`, an operator deleting through the API, two `fm run` daemons, one
 * executor holding an older sitrep. The primary is SIGKILLed twice and switched over once; what
 * was acknowledged (2xx) must be there after each, every SPEC 4 invariant must hold, the daemons
 * never exit and `fm serve` answers 503, never 500. Then the same with synchronous replication
 * off, to measure what the requirement in docs/OPERATIONS.md ("High availability") protects.
 */
let cluster: HaCluster
let world: FaultWorld
let serve: DaemonProcess
let base = ""
let admin = ""
const daemons: Array<DaemonProcess> = []

beforeAll(async () => {
  cluster = await startHaCluster()
  world = await faultWorld({ server: cluster.url })
  const token = runFm(["token", "create", "alice", "--role", "admin", "--json", "--database-url", world.url])
  if (token.code !== 0) throw new Error(token.stderr)
  admin = JSON.parse(token.stdout).token
  serve = spawnFm(["serve", "--listen", "127.0.0.1:0", "--database-url", world.url])
  await serve.waitForLog(/listening on http:\/\/\S+/, 60_000)
  base = /listening on (http:\/\/\S+)/.exec(serve.stderr())![1]!
}, 150_000)
afterAll(async () => {
  for (const d of daemons) await d.stop()
  await serve?.stop()
  await world?.close().catch(() => {})
  await cluster?.down()
})

/** What the API answered, over the whole run. */
const answers = { ok: 0, refused503: 0, without503RetryAfter: 0, status500: 0, other: 0, unreachable: 0 }
const okAt: Array<number> = []

const call = async (method: string, path: string, body?: unknown) => {
  try {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(15_000)
    })
    const text = await r.text()
    if (r.status < 300) {
      answers.ok++
      okAt.push(Date.now())
    } else if (r.status === 503) {
      answers.refused503++
      if (r.headers.get("retry-after") === null) answers.without503RetryAfter++
    } else if (r.status >= 500) answers.status500++
    else answers.other++
    return { status: r.status, json: text === "" ? undefined : JSON.parse(text) }
  } catch {
    answers.unreachable++
    return { status: 0, json: undefined }
  }
}

const documentOf = (id: string, parentId: string | null, alerts: ReadonlyArray<string>, caseId: string) => ({
  id,
  parentId,
  creatorId: "failover-planner",
  comment: "failover test",
  cases: [{
    id: caseId,
    comment: "a case",
    closed: false,
    alertRequests: alerts.map((a) => ({ id: a, class: "hardware.fault.test", payload: { n: 1 }, comment: "" })),
    supportBundleRequests: []
  }]
})

/** The control client through HAProxy, retried while the cluster fails over. */
const persist = async <A>(f: () => Promise<A>): Promise<A> => {
  for (let i = 0;; i++) {
    try {
      return await f()
    } catch (e) {
      if (i > 100) throw e
      await sleep(200)
    }
  }
}
const historyHas = (id: string) =>
  persist(() => world.sql((s) => s<{ n: bigint }>`SELECT count(*) AS n FROM sitrep WHERE id = ${id}`)).then((r) => Number(r[0]!.n) > 0)

/** The planner and the operator, until stopped: every acknowledged write remembered. */
const workload = () => {
  let caseId: string = randomUUID()
  const requested: Array<string> = []
  const acknowledged = { publishes: [] as Array<string>, deletes: [] as Array<string> }
  let ambiguous = 0
  let ambiguousLanded = 0
  let parent: string | null = null
  let running = true
  // Rebase on the current sitrep: at the start, and after a parent not current.
  const rebase = async () => {
    const current = await persist(() => world.current())
    parent = current.id
    caseId = (current.cases[0]?.id as string | undefined) ?? caseId
    requested.splice(0, requested.length, ...requestsOf(current, "alert" as KindName).map((r) => r.id as string))
  }
  const planner = (async () => {
    await rebase()
    while (running) {
      const id = randomUUID()
      const alerts = [...requested, ...freshIds(3)]
      const start = performance.now()
      const r = await call("POST", "/v1/sitreps", documentOf(id, parent, alerts, caseId))
      let landed = r.status === 201
      if (!landed && (r.status === 0 || r.status === 503)) {
        // Ambiguous (the answer was lost, or the commit's connection was): history decides.
        ambiguous++
        landed = await historyHas(id)
        if (landed) ambiguousLanded++
      } else if (r.status === 409) {
        // The parent is not current (a write lost with synchronous replication off): rebase.
        await rebase()
      }
      if (landed) {
        const stored = await persist(async () => {
          const rows = await world.sql((q) => q<{ version: bigint }>`SELECT version FROM sitrep_history WHERE sitrep_id = ${id}`)
          const v = rows[0]?.version
          if (v === undefined) throw new Error("not yet")
          return Option.getOrThrow(await world.control.runPromise(Effect.flatMap(SitrepStore, (st) => st.byVersion(Number(v) as SitrepVersion))))
        })
        world.publishes.push(publishLog(stored, KINDS, start, performance.now()))
        acknowledged.publishes.push(id)
        parent = id
        requested.splice(0, requested.length, ...alerts)
      }
      await sleep(150)
    }
  })()
  const operator = (async () => {
    while (running) {
      const rows = await world.sql((s) => s<{ id: string }>`SELECT id::text AS id FROM alert ORDER BY random() LIMIT 1`).catch(() => [])
      const id = rows[0]?.id
      if (id !== undefined && !acknowledged.deletes.includes(id)) {
        const start = performance.now()
        const r = await call("DELETE", `/v1/alerts/${id}`)
        if (r.status === 204) {
          world.deletes.push({ kind: "alert", id, outcome: "Remove", start, end: performance.now() })
          acknowledged.deletes.push(id)
        }
      }
      await sleep(200)
    }
  })()
  return {
    acknowledged,
    figures: () => ({ ambiguous, ambiguousLanded }),
    stop: async () => {
      running = false
      await Promise.all([planner, operator])
    }
  }
}

/** Acknowledged writes the database no longer has: publishes not in history, deletes undone. */
const lostWrites = async (acknowledged: { publishes: ReadonlyArray<string>; deletes: ReadonlyArray<string> }) => {
  let publishes = 0
  for (const id of acknowledged.publishes) if (!(await historyHas(id))) publishes++
  const undone = await persist(() =>
    world.sql((s) =>
      s<{ n: bigint }>`SELECT count(*) AS n FROM alert_marker WHERE time_deleted IS NULL AND resource_id = ANY(${acknowledged.deletes as Array<string>}::uuid[])`
    ))
  return { publishes, deletes: Number(undone[0]!.n) }
}

const activationsAfter = (d: DaemonProcess, at: number) =>
  d.stderr().split("\n").filter((l) => l.includes("message=activation ")).map((l) => Date.parse(/timestamp=(\S+)/.exec(l)?.[1] ?? "")).find((t) => t > at)

/** One fault and its window: to the first activation of each daemon after it, and to the first 2xx. */
const failOver = async (what: string, fault: () => Promise<string>, synchronous: boolean) => {
  const refusedBefore = answers.refused503 + answers.unreachable
  const at = Date.now()
  const from = await fault()
  await waitUntil(`a new leader after ${what} of ${from}`, async () => {
    const leader = await cluster.leader()
    return leader !== undefined && leader !== from ? leader : undefined
  }, 60_000, 100)
  const activated = await Promise.all(daemons.map((d) =>
    waitUntil(`${what}: an activation after it`, () => activationsAfter(d, at), 60_000, 100)))
  const firstOk = await waitUntil(`${what}: a 2xx from fm serve`, () => okAt.find((t) => t > at), 60_000, 100)
  await cluster.healthy(synchronous)
  for (const d of daemons) expect(d.child.exitCode, `a daemon exited during ${what}: ${d.stderr().slice(-2000)}`).toBeNull()
  return {
    what,
    activationMs: Math.max(...activated) - at,
    apiMs: firstOk - at,
    refused: answers.refused503 + answers.unreachable - refusedBefore
  }
}

describe("fault: the database fails over (Patroni, synchronous replication)", () => {
  it("loses nothing acknowledged through two SIGKILLs of the primary and a switchover, then measures synchronous replication off", async () => {
    world.sampleProgress()
    // The first sitrep directly, so the stale executor has an older version to hold.
    const first = await call("POST", "/v1/sitreps", documentOf(randomUUID(), null, freshIds(5), randomUUID()))
    expect(first.status).toBe(201)
    daemons.push(startDaemon(world, "ha-1"), startDaemon(world, "ha-2"))
    const load = workload()
    await waitUntil("a few publishes", () => (load.acknowledged.publishes.length >= 3 ? true : undefined), 60_000, 100)

    const windows = []
    windows.push(await failOver("SIGKILL", cluster.killPrimary, true))
    windows.push(await failOver("SIGKILL", cluster.killPrimary, true))
    windows.push(await failOver("switchover", cluster.switchover, true))
    await sleep(1000)
    await load.stop()

    // The stale executor: holding the first version, it may create nothing (exit 1, stale).
    const stale = runFm(["activate", "--executor", "ha-stale", "--sitrep", "1", "--database-url", world.url])
    expect(stale.code, stale.stderr).toBe(1)

    const lost = await lostWrites(load.acknowledged)
    expect(lost).toEqual({ publishes: 0, deletes: 0 })
    for (const d of daemons) await world.converged(d === daemons[0] ? "ha-1" : "ha-2", 60_000)
    const summary = await world.check()
    expect(answers.status500, serve.stderr().split("\n").filter((l) => /status=500/.test(l)).slice(0, 3).join("\n")).toBe(0)
    expect(answers.refused503 === 0 || answers.without503RetryAfter === 0, "every 503 carries Retry-After").toBe(true)
    const { ambiguous, ambiguousLanded } = load.figures()

    // Synchronous replication off: the same workload, one SIGKILL; what it lost is measured.
    await cluster.setSynchronous(false)
    await cluster.healthy(false)
    const async = workload()
    await waitUntil("publishes with replication asynchronous", () => (async.acknowledged.publishes.length >= 3 ? true : undefined), 60_000, 100)
    const asyncWindow = await failOver("SIGKILL (asynchronous)", cluster.killPrimary, false)
    await sleep(500)
    await async.stop()
    const asyncLost = await lostWrites(async.acknowledged)
    for (const d of daemons) expect(d.child.exitCode).toBeNull()

    const line = windows.map((w) => `${w.what}: activation after ${w.activationMs} ms, first 2xx after ${w.apiMs} ms, ${w.refused} requests refused`).join("; ")
    console.log(
      `fault failover: ${line}; acknowledged ${load.acknowledged.publishes.length} publishes and ${load.acknowledged.deletes.length} deletes, ` +
        `lost ${lost.publishes + lost.deletes}; ${ambiguous} ambiguous publishes (${ambiguousLanded} had landed); API answers ${JSON.stringify(answers)}; ` +
        `${summary.line}. Asynchronous: ${asyncWindow.what} activation after ${asyncWindow.activationMs} ms, ` +
        `acknowledged ${async.acknowledged.publishes.length} publishes and ${async.acknowledged.deletes.length} deletes, lost ${asyncLost.publishes} publishes and ${asyncLost.deletes} deletes; ` +
        `5xx other than 503 in fm serve's log: ${JSON.stringify(serve.stderr().split("\n").filter((l) => /status=5(?!03)/.test(l)).slice(0, 3))}`
    )
  }, 240_000)
})
