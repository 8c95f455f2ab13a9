import { alertSqlKind, pgLayer, sqlLayer, supportBundleSqlKind } from "@fm-rendezvous/adapters-sql"
import { ActivationMode, activate, defaultKinds, requestsOf, type Sitrep, SitrepStore, type SitrepVersion } from "@fm-rendezvous/domain"
import { Effect, Layer, ManagedRuntime, Option } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DELETE_OUTCOME_HEADER, decodeDeleteReport } from "@fm-rendezvous/app/shared/deleteReport"
import { sitrepDoc } from "../support/documents.ts"
import {
  checkInvariants,
  type DeleteLog,
  type ProgressSample,
  type PublishLog,
  publishLog,
  readHistory,
  readProgress,
  readState
} from "../support/invariants.ts"
import { type Answer, call, useServer } from "./harness.ts"

/**
 * Concurrency over HTTP (issue 10): two planners publishing (racing children of one parent, and
 * pruning), two operators deleting alerts and bundles, one commenting, a viewer trying to delete,
 * all through a real `fm serve` on PostgreSQL on loopback, while executors activate in this
 * process (one holding the current sitrep, one holding older versions for a while). Bounded in
 * time (FM_API_CONCURRENCY_MS, default 3 s) and in request count. Afterwards the SPEC 4
 * invariants are judged by the one invariants module (packages/domain/src/invariants), over the
 * database as test/support/invariants.ts reads it, as the SQL concurrency test does.
 */
const DURATION_MS = Number(process.env["FM_API_CONCURRENCY_MS"] ?? 3000)
const MAX_REQUESTS = 2000
const KINDS = defaultKinds.map((k) => k.name)
const SQL_KINDS = [alertSqlKind, supportBundleSqlKind]
const PATHS: Record<string, string> = { alert: "alerts", support_bundle: "support-bundles" }

const world = useServer()
const now = () => performance.now()
const pick = <A>(xs: ReadonlyArray<A>): A => xs[Math.floor(Math.random() * xs.length)]!
let counter = 0
const freshId = () => `${(0xd0000000 + Math.floor(Math.random() * 0xfffffff)).toString(16)}-0000-4000-8000-${(++counter).toString(16).padStart(12, "0")}`

/** Each executor has a pool of its own, as a separate process would. */
const executorRuntime = () => ManagedRuntime.make(sqlLayer({ kinds: SQL_KINDS }).pipe(Layer.provideMerge(pgLayer(world.url(), { maxConnections: 2 }))))
let runtimes: Array<ReturnType<typeof executorRuntime>> = []
beforeAll(() => {
  runtimes = [executorRuntime(), executorRuntime(), executorRuntime()]
})
afterAll(async () => {
  for (const rt of runtimes) await rt.dispose()
})

type Case = { id: string; alerts: Array<string>; bundles: Array<string> }
/** The document of SPEC 7.1 for the served registry (alerts and bundles only). */
const documentOf = (id: string, parentId: string | null, cases: ReadonlyArray<Case>) => {
  const doc = sitrepDoc({ id, parentId, cases })
  return { ...doc, cases: doc.cases.map(({ widgetRequests: _, ...c }) => c) }
}

describe("concurrency over HTTP: the SPEC 4 invariants with clients and executors at once", () => {
  it("holds every invariant", async () => {
    const base = world.server().base
    const [current0, held1, reader] = runtimes as [ReturnType<typeof executorRuntime>, ReturnType<typeof executorRuntime>, ReturnType<typeof executorRuntime>]
    const deadline = now() + DURATION_MS
    let requests = 0
    const running = () => now() < deadline && requests < MAX_REQUESTS
    const statuses: Record<string, Record<number, number>> = {}
    const ask = async (what: string, method: string, path: string, options: Parameters<typeof call>[3]): Promise<Answer> => {
      requests += 1
      const answer = await call(base, method, path, options)
      const counts = (statuses[what] ??= {})
      counts[answer.status] = (counts[answer.status] ?? 0) + 1
      return answer
    }

    const publishes: Array<PublishLog> = []
    const deletes: Array<DeleteLog> = []
    const progress: Array<ProgressSample> = []
    const ever: Record<string, Array<string>> = { alert: [], support_bundle: [] }
    let cases: Array<Case> = [{ id: freshId(), alerts: [], bundles: [] }, { id: freshId(), alerts: [], bundles: [] }]
    let parent: string | null = null
    const nextCases = () =>
      cases.map((c) => {
        const next = { ...c, alerts: [...c.alerts], bundles: [...c.bundles] }
        for (const field of ["alerts", "bundles"] as const) {
          if (Math.random() < 0.6) next[field].push(...Array.from({ length: 1 + Math.floor(Math.random() * 4) }, freshId))
          if (Math.random() < 0.3 && next[field].length > 0) next[field].splice(Math.floor(Math.random() * next[field].length), 1)
        }
        return next
      })
    const stored = (version: number) =>
      reader.runPromise(Effect.map(Effect.flatMap(SitrepStore, (s) => s.byVersion(version as SitrepVersion)), Option.getOrThrow))

    const planners = async () => {
      while (running()) {
        const mine = nextCases()
        const start = now()
        let won: { version: number; cases: Array<Case> } | undefined
        if (parent !== null && Math.random() < 0.3) {
          // Two planners publish children of the same parent at once: exactly one is current.
          const theirs = nextCases()
          const answers = await Promise.all([mine, theirs].map((c) =>
            ask("publish", "POST", "/v1/sitreps", { token: world.admin(), body: documentOf(freshId(), parent, c) })))
          expect(answers.map((a) => a.status).sort()).toEqual([201, 409])
          const winner = answers.findIndex((a) => a.status === 201)
          won = { version: answers[winner]!.json().version, cases: winner === 0 ? mine : theirs }
        } else {
          const answer = await ask("publish", "POST", "/v1/sitreps", { token: world.admin(), body: documentOf(freshId(), parent, mine) })
          expect(answer.status, answer.text).toBe(201)
          won = { version: answer.json().version, cases: mine }
        }
        const sitrep: Sitrep = await stored(won.version)
        publishes.push(publishLog(sitrep, KINDS, start, now()))
        for (const k of KINDS) for (const r of requestsOf(sitrep, k)) if (!ever[k]!.includes(r.id)) ever[k]!.push(r.id)
        cases = won.cases
        parent = sitrep.id
        if (Math.random() < 0.15) expect((await ask("prune", "POST", "/v1/sitreps/prune", { token: world.admin(), body: { keep: 4 } })).status).toBe(200)
        await new Promise((r) => setTimeout(r, 10))
      }
    }

    const PLAN_OF: Record<string, string> = { deleted: "Remove", destroying: "BeginDestroying", alreadyDeleted: "AlreadyDeleted", notFound: "NotFound" }
    // Ids are deleted again and again; the 204's fm-delete-outcome header says what each did, so
    // the invariants can see that only one delete of an id ever removed it.
    const operator = async () => {
      while (running()) {
        const kind = pick(KINDS)
        if (ever[kind]!.length > 0) {
          const id = pick(ever[kind]!)
          const start = now()
          const answer = await ask("delete", "DELETE", `/v1/${PATHS[kind]}/${id}`, { token: world.admin() })
          expect([204, 404], answer.text).toContain(answer.status)
          // The header's word, as the domain's plan the invariant checks read (deleted is a Remove).
          const word = decodeDeleteReport(answer.headers.get(DELETE_OUTCOME_HEADER) ?? undefined)?.outcome
          const outcome = answer.status === 404 ? "NotFound" : word === undefined ? undefined : PLAN_OF[word]
          expect(outcome, `the outcome header of a delete of ${kind} ${id}`).toBeDefined()
          deletes.push({ kind, id, outcome: outcome!, start, end: now() })
        }
        await new Promise((r) => setTimeout(r, 3))
      }
    }
    const commenter = async () => {
      while (running()) {
        if (ever["support_bundle"]!.length > 0) {
          const answer = await ask("comment", "PUT", `/v1/support-bundles/${pick(ever["support_bundle"]!)}`, { token: world.admin(), body: { userComment: `seen at ${Math.round(now())}` } })
          expect([200, 404], answer.text).toContain(answer.status)
        }
        await new Promise((r) => setTimeout(r, 5))
      }
    }
    const viewer = async () => {
      while (running()) {
        if (ever["alert"]!.length > 0) {
          const answer = await ask("viewer delete", "DELETE", `/v1/alerts/${pick(ever["alert"]!)}`, { token: world.viewer() })
          expect(answer.status).toBe(403)
        }
        await new Promise((r) => setTimeout(r, 20))
      }
    }

    let activations = 0
    const executor = async (rt: typeof current0, name: string, keepsOld: boolean) => {
      let held: Sitrep | undefined
      let holdFor = 0
      while (running()) {
        if (held === undefined || !keepsOld || holdFor <= 0) {
          const older = keepsOld && publishes.length > 2 && Math.random() < 0.4
          const loaded = await rt.runPromise(Effect.flatMap(SitrepStore, (s) => (older ? s.byVersion(pick(publishes).version as SitrepVersion) : s.current)))
          if (Option.isSome(loaded)) held = loaded.value
          holdFor = 1 + Math.floor(Math.random() * 4)
        }
        holdFor -= 1
        if (held !== undefined) {
          await rt.runPromise(activate({ executor: name, held, batchSize: 3, pageSize: 4, mode: Math.random() < 0.1 ? ActivationMode.Reconcile() : ActivationMode.Routine() }))
          activations += 1
        }
        progress.push(await reader.runPromise(Effect.flatMap(SqlClient.SqlClient, readProgress)))
        await new Promise((r) => setTimeout(r, 5))
      }
    }

    const started = now()
    await Promise.all([planners(), operator(), operator(), commenter(), viewer(), executor(current0, "nexus-1", false), executor(held1, "nexus-2", true)])
    const elapsed = now() - started

    // Quiescence: the current sitrep activated with reconciliation, then the same again.
    const current = await reader.runPromise(Effect.map(Effect.flatMap(SitrepStore, (s) => s.current), Option.getOrThrow))
    const settle = () => current0.runPromise(activate({ executor: "final", held: current, batchSize: 50, pageSize: 50, mode: ActivationMode.Reconcile() }))
    const inspect = <A>(f: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) =>
      reader.runPromise(Effect.flatMap(SqlClient.SqlClient, f) as Effect.Effect<A, never, never>)
    const first = await settle()
    const before = await inspect((sql) => readState(sql, SQL_KINDS))
    const again = await settle()
    const after = await inspect((sql) => readState(sql, SQL_KINDS))
    progress.push(await inspect(readProgress))
    for (const k of KINDS) expect(first.kinds[k]!.errorCount, `final activation of ${k}`).toBe(0)

    const summary = checkInvariants({
      kinds: KINDS,
      current,
      publishes,
      deletes,
      state: before,
      again: { created: Object.fromEntries(KINDS.map((k) => [k, again.kinds[k]!.created])), state: after },
      history: await inspect(readHistory),
      progress
    })
    const removed = deletes.filter((d) => d.outcome === "Remove" || d.outcome === "BeginDestroying").length
    console.log(`concurrency over HTTP: ${(elapsed / 1000).toFixed(1)} s, ${requests} requests ${JSON.stringify(statuses)}, ${activations} activations; ${summary.line}`)
    // The run did what it claims: publishes raced, deletes removed things, executors created them.
    expect(publishes.length).toBeGreaterThan(3)
    expect(removed).toBeGreaterThan(0)
    expect(deletes.some((d) => d.outcome === "AlreadyDeleted")).toBe(true)
    expect(summary.markers + summary.deleted).toBeGreaterThan(0)
    expect(statuses["comment"]?.[200] ?? 0).toBeGreaterThan(0)
    expect(statuses["viewer delete"]?.[403] ?? 0).toBeGreaterThan(0)
  }, 120_000)
})
