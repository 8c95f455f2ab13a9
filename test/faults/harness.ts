import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process"
import { randomUUID } from "node:crypto"
import { defaultSqlKinds, pgLayer, sqlLayer } from "@fm-rendezvous/adapters-sql"
import {
  ActivationMode,
  activate,
  type ActivationReport,
  decodeReport,
  deleteResource,
  makeRegistry,
  type ResourceId,
  type Sitrep,
  SitrepStore
} from "@fm-rendezvous/domain"
import { Effect, Exit, Layer, ManagedRuntime, Option, Scope } from "effect"
import { SqlClient } from "effect/sql"
import {
  checkInvariants,
  type DeleteLog,
  type InvariantSummary,
  type ProgressSample,
  type PublishLog,
  publishLog,
  readHistory,
  readProgress,
  readState
} from "../support/invariants.ts"
import { publishAsAdmin } from "../support/ports.ts"
import { freshDatabase, serverUrl } from "../support/postgres.ts"
import { fmArgs } from "../support/fmBin.ts"

/**
 * What every fault test shares: a database of its own, the real `fm` binary run as a daemon (its
 * connections named so a test can find and kill them), an in-process control client (publishing,
 * operator deletes, reads) whose connections are never the target, and the SPEC 4 check at the end.
 */
export const DAEMON_APP = "fm-fault-daemon"
const CONTROL_APP = "fm-fault-control"
export const KINDS = defaultSqlKinds.map((k) => k.kind.name as string)
const REGISTRY = makeRegistry(defaultSqlKinds.map((k) => k.kind))

export const withParams = (url: string, params: Record<string, string>): string => {
  const u = new URL(url)
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v)
  return u.toString()
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export const waitUntil = async <A>(
  what: string | (() => string),
  probe: () => Promise<A | undefined> | A | undefined,
  ms: number,
  every = 50
): Promise<A> => {
  const deadline = Date.now() + ms
  while (true) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${typeof what === "string" ? what : what()}`)
    await sleep(every)
  }
}

/** A control or admin connection pool: in-process, named so the fault never targets it. */
const controlRuntime = (url: string) =>
  ManagedRuntime.make(sqlLayer().pipe(Layer.provideMerge(pgLayer(withParams(url, { application_name: CONTROL_APP }), { maxConnections: 2 }))))
type Control = ReturnType<typeof controlRuntime>

/** Statements on the server's maintenance database (kills, settings), as the test's superuser. */
export const onServer = async <A>(server: string, f: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>): Promise<A> =>
  Effect.runPromise(
    Effect.scoped(Effect.flatMap(SqlClient.SqlClient, f).pipe(
      Effect.provide(pgLayer(withParams(server, { application_name: CONTROL_APP }), { maxConnections: 1 }))
    )) as Effect.Effect<A>
  )

export interface DaemonProcess {
  readonly child: ChildProcessWithoutNullStreams
  readonly stdout: () => string
  readonly stderr: () => string
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Waits until stderr (the daemon's log) matches. */
  readonly waitForLog: (pattern: RegExp, ms?: number) => Promise<void>
  /** SIGTERM and the exit code (0: a clean stop). */
  readonly stop: () => Promise<number | null>
}

const cleanEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env }
  for (const key of ["DATABASE_URL", "FM_ACTOR", "FM_ROLE", "FM_EXECUTOR"]) delete env[key]
  return env
}

/** Daemon settings that make a fault test take seconds: quick polls, reconciliation every time. */
export const FAST_DAEMON: Record<string, string> = {
  FM_ACTIVATION_PERIOD: "300 millis",
  FM_LOADER_POLL_INTERVAL: "100 millis",
  FM_RECONCILE_EVERY: "1",
  FM_HOUSEKEEPING_PERIOD: "1 hour"
}

export const spawnFm = (args: ReadonlyArray<string>, env: Record<string, string> = {}): DaemonProcess => {
  const child = spawn(process.execPath, fmArgs(args), { env: { ...cleanEnv(), ...env }, stdio: ["pipe", "pipe", "pipe"] })
  child.stdin.end()
  let out = ""
  let err = ""
  child.stdout.on("data", (d) => (out += d))
  child.stderr.on("data", (d) => (err += d))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on("exit", (code, signal) => done({ code, signal })))
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLog: (pattern, ms = 20_000) =>
      waitUntil(() => `${pattern} in the daemon's log; log so far:\n${err.slice(-3000)}`, () => (pattern.test(err) ? true : undefined), ms).then(() => {}),
    stop: async () => {
      child.kill("SIGTERM")
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000)
      const { code } = await exited
      clearTimeout(timer)
      return code
    }
  }
}

export const runFm = (args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, fmArgs(args), { env: { ...cleanEnv(), ...env }, input: "", encoding: "utf8", timeout: 60_000 })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

/** A sitrep document of SPEC 7.1 for alerts and support bundles. */
export interface CaseSpec {
  readonly id: string
  readonly alerts: ReadonlyArray<string>
  readonly bundles: ReadonlyArray<string>
}
const documentOf = (id: string, parentId: string | null, cases: ReadonlyArray<CaseSpec>) => ({
  id,
  parentId,
  creatorId: "fault-planner",
  comment: "fault test",
  cases: cases.map((c) => ({
    id: c.id,
    comment: "a case",
    closed: false,
    alertRequests: c.alerts.map((a) => ({ id: a, class: "hardware.fault.test", payload: { n: 1 }, comment: "" })),
    supportBundleRequests: c.bundles.map((b) => ({ id: b, reason: "fault test diagnostics", comment: "" }))
  }))
})

export const freshIds = (n: number): Array<string> => Array.from({ length: n }, () => randomUUID())

/** The world most fault tests start from: one case asking for `alerts`, another for `bundles`. */
export const alertAndBundleCases = (alerts: ReadonlyArray<string>, bundles: ReadonlyArray<string>): Array<CaseSpec> => {
  const [alertCase, bundleCase] = freshIds(2)
  return [{ id: alertCase!, alerts: [...alerts], bundles: [] }, { id: bundleCase!, alerts: [], bundles: [...bundles] }]
}

/** One fault test's world: its database, its control client, its lineage and delete log. */
export interface FaultWorld {
  readonly url: string
  readonly database: string
  readonly server: string
  readonly control: Control
  readonly publishes: Array<PublishLog>
  readonly deletes: Array<DeleteLog>
  /** Publishes a child of the current sitrep (or the first) with these cases; returns it. */
  readonly publish: (cases: ReadonlyArray<CaseSpec>) => Promise<Sitrep>
  readonly current: () => Promise<Sitrep>
  /** An operator (admin) delete, logged for the no-resurrection check. */
  readonly operatorDelete: (kind: string, id: string) => Promise<string>
  readonly sql: <A>(f: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) => Promise<A>
  /** Progress read every 100 ms from now on (monotonicity), until `check`. */
  readonly sampleProgress: () => void
  /** The report the daemon stored for `executor`, if any. */
  readonly report: (executor: string) => Promise<ActivationReport | undefined>
  /**
   * Waits until `executor` has activated with the current sitrep and accounted for every request
   * of every kind (no errors, not stale, progress at the current generation): convergence as the
   * daemon itself reached it, before the test runs anything.
   */
  readonly converged: (executor: string, ms?: number) => Promise<ActivationReport>
  /** Every SPEC 4 invariant from the database; then the same activation again (idempotence). */
  readonly check: () => Promise<InvariantSummary>
  /**
   * Terminates the daemon's backends on this database (only those running a statement that
   * matches the POSIX regular expression `busyWith`, or inside a transaction whose last statement
   * matched it, when given); how many.
   */
  readonly killDaemonConnections: (busyWith?: string) => Promise<number>
  /**
   * Takes a lock on a connection of the test's own (e.g. `LOCK TABLE alert IN ACCESS EXCLUSIVE
   * MODE`) and holds it, in an open transaction, until the returned release is called.
   */
  readonly holdLock: (lockStatement: string) => Promise<() => Promise<void>>
  /**
   * Terminates the daemon's backends that wait for a lock inside a transaction, on a statement
   * matching `pattern` (not the transaction's first statement); how many. With `anywhere`, also
   * those waiting on a statement of its own (no transaction).
   */
  readonly killBlockedInTransaction: (pattern: string, anywhere?: boolean) => Promise<{ readonly inTransaction: number; readonly alone: number }>
  readonly close: () => Promise<void>
}

export const faultWorld = async (options: { readonly server?: string } = {}): Promise<FaultWorld> => {
  const scope = await Effect.runPromise(Scope.make())
  const server = options.server ?? serverUrl()
  const { url, name } = await Effect.runPromise(
    Scope.provide(options.server === undefined ? freshDatabase : databaseOn(options.server), scope)
  )
  const run = (args: ReadonlyArray<string>) => runFm([...args, "--database-url", url])
  const migrated = run(["db", "migrate"])
  if (migrated.code !== 0) throw new Error(`fm db migrate failed: ${migrated.stderr}`)
  const control = controlRuntime(url)
  const publishes: Array<PublishLog> = []
  const deletes: Array<DeleteLog> = []
  const samples: Array<ProgressSample> = []
  let sampler: ReturnType<typeof setInterval> | undefined
  const sql = <A>(f: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) =>
    control.runPromise(Effect.flatMap(SqlClient.SqlClient, f) as Effect.Effect<A, never, SqlClient.SqlClient>)
  const current = async () => Option.getOrThrow(await control.runPromise(Effect.flatMap(SitrepStore, (s) => s.current)))
  let parent: string | null = null

  const world: FaultWorld = {
    url,
    database: name,
    server,
    control,
    publishes,
    deletes,
    current,
    sql,
    publish: async (cases) => {
      const start = performance.now()
      const id = randomUUID()
      await control.runPromise(publishAsAdmin(documentOf(id, parent, cases)))
      const s = await current()
      publishes.push(publishLog(s, KINDS, start, performance.now()))
      parent = s.id
      return s
    },
    operatorDelete: async (kind, id) => {
      const start = performance.now()
      const plan = await control.runPromise(
        deleteResource({ name: "alice", role: "admin" }, Option.getOrThrow(REGISTRY.find(kind)), id as ResourceId)
      )
      deletes.push({ kind, id, outcome: plan._tag, start, end: performance.now() })
      return plan._tag
    },
    sampleProgress: () => {
      if (sampler !== undefined) return
      sampler = setInterval(() => {
        sql(readProgress).then((p) => samples.push(p), () => {})
      }, 100)
    },
    report: async (executor) => {
      const rows = await sql((s) => s<{ report: unknown }>`SELECT report FROM activation_report WHERE executor = ${executor}`)
      if (rows[0] === undefined) return undefined
      return decodeReport(rows[0].report) as ActivationReport
    },
    converged: async (executor, ms = 30_000) => {
      const target = await current()
      let last: ActivationReport | undefined
      const what = () =>
        `${executor} to converge on sitrep version ${target.version}; last report: ${
          JSON.stringify(last, (_k, v) => (typeof v === "bigint" ? Number(v) : v))
        }`
      return waitUntil(what, async () => {
        const r = await world.report(executor)
        last = r
        if (r === undefined || r.sitrep.version !== target.version) return undefined
        const done = KINDS.every((k) => {
          const kr = r.kinds[k]
          return kr !== undefined && kr.errorCount === 0 && !kr.stale && kr.executedThrough === target.generations[k]
        })
        return done ? r : undefined
      }, ms, 100)
    },
    check: async () => {
      if (sampler !== undefined) clearInterval(sampler)
      samples.push(await sql(readProgress))
      const target = await current()
      const state = await sql((s) => readState(s, defaultSqlKinds))
      const again = await control.runPromise(
        activate({ executor: "fault-check", held: target, batchSize: 500, pageSize: 500, mode: ActivationMode.Reconcile() })
      )
      const after = await sql((s) => readState(s, defaultSqlKinds))
      return checkInvariants({
        kinds: KINDS,
        current: target,
        publishes,
        deletes,
        state,
        again: { created: Object.fromEntries(KINDS.map((k) => [k, again.kinds[k]!.created])), state: after },
        history: await sql(readHistory),
        progress: samples
      })
    },
    killDaemonConnections: (busyWith) =>
      onServer(server, (s) =>
        Effect.map(
          busyWith === undefined
            ? s<{ killed: boolean }>`
              SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
              WHERE datname = ${name} AND application_name = ${DAEMON_APP} AND pid <> pg_backend_pid()`
            : s<{ killed: boolean }>`
              SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
              WHERE datname = ${name} AND application_name = ${DAEMON_APP} AND pid <> pg_backend_pid()
                AND state IN ('active', 'idle in transaction') AND query ~ ${busyWith}`,
          (rows) => rows.filter((r) => r.killed).length
        )),
    holdLock: async (lockStatement) => {
      let release!: () => void
      const released = new Promise<void>((r) => (release = r))
      let locked!: () => void
      const isLocked = new Promise<void>((r) => (locked = r))
      const holder = control.runPromise(
        Effect.flatMap(SqlClient.SqlClient, (s) =>
          s.withTransaction(Effect.gen(function*() {
            yield* s.unsafe(lockStatement)
            locked()
            yield* Effect.promise(() => released)
          })))
      )
      await Promise.race([isLocked, holder])
      return async () => {
        release()
        await holder
      }
    },
    killBlockedInTransaction: (pattern, anywhere = false) =>
      onServer(server, (s) =>
        Effect.map(
          s<{ killed: boolean; in_transaction: boolean }>`
            SELECT pg_terminate_backend(pid) AS killed, xact_start < query_start AS in_transaction FROM pg_stat_activity
            WHERE datname = ${name} AND application_name = ${DAEMON_APP} AND state = 'active'
              AND wait_event_type = 'Lock' AND (xact_start < query_start OR ${anywhere}) AND query ~ ${pattern}`,
          (rows) => ({
            inTransaction: rows.filter((r) => r.killed && r.in_transaction).length,
            alone: rows.filter((r) => r.killed && !r.in_transaction).length
          })
        )),
    close: async () => {
      if (sampler !== undefined) clearInterval(sampler)
      await control.dispose()
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }
  return world
}

/** A fresh database on a given server (for the test that runs a private server). */
const databaseOn = (server: string) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const name = `fm_fault_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
      await onServer(server, (s) => s.unsafe(`CREATE DATABASE ${name}`))
      const u = new URL(server)
      u.pathname = `/${name}`
      return { name, url: u.toString(), server }
    }),
    ({ name }) => Effect.promise(() => onServer(server, (s) => s.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).catch(() => {}))
  )

/** The daemon's URL: its connections carry DAEMON_APP so the fault can find them. */
export const daemonUrl = (world: FaultWorld, extra: Record<string, string> = {}) =>
  withParams(world.url, { application_name: DAEMON_APP, ...extra })

export const startDaemon = (world: FaultWorld, executor: string, env: Record<string, string> = {}, url = daemonUrl(world)) =>
  spawnFm(["run", "--executor", executor, "--database-url", url], { ...FAST_DAEMON, ...env })

/** Counts of the daemon's log lines that matter in a fault. */
export const logFigures = (log: string) => ({
  activations: (log.match(/message=activation /g) ?? []).length,
  failedActivations: (log.match(/activation failed/g) ?? []).length,
  erroredActivations: (log.match(/errors=[1-9]/g) ?? []).length
})
