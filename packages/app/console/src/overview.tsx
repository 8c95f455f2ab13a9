import { useEffect, useMemo, useState } from "preact/hooks"
import { ApiFailure, kinds } from "./api.ts"
import { Chart } from "./chart.tsx"
import { failed, Flag, type Loaded, Refusal, seconds, time } from "./common.tsx"
import { api } from "./state.ts"

/** How often the overview refreshes by itself. */
const REFRESH_MS = 5000
/** A marker awaiting collection longer than this marks garbage collection as stuck: FmMarkerCollectionStuck's threshold (deploy/prometheus). */
export const STUCK_AFTER_SECONDS = 300

interface KindReport {
  readonly generation: number | null
  readonly currentGeneration: number | null
  readonly stale: boolean
  readonly lag: number | null
  readonly errors: ReadonlyArray<{ requestId: string | null; message: string }>
  readonly errorCount: number
}
interface Report {
  readonly executor: string
  readonly sitrep: { id: string; version: number }
  readonly currentSitrep: { id: string; version: number } | null
  readonly activatedAt: string
  readonly kinds: Readonly<Record<string, KindReport>>
}
interface Status {
  readonly currentSitrep: { id: string; version: number } | null
  readonly executors: ReadonlyArray<Report>
}
interface History {
  readonly periodSeconds: number
  readonly samples: ReadonlyArray<{ at: string; currentVersion: number | null; kinds: Record<string, { lag: number | null; awaiting: number; oldestAgeSeconds: number }> }>
}
interface Current {
  readonly version: number
  readonly id: string
  readonly creatorId: string
  readonly publishedBy: string | null
  readonly timeCreated: string
  readonly comment: string
  readonly generations: Readonly<Record<string, number>>
}
interface Overview {
  readonly status: Status
  readonly current: Current | null
  readonly history: History
  readonly at: Date
}

const load = async (): Promise<Overview> => {
  const [status, current, history] = await Promise.all([
    api<Status>("inspect", "status"),
    api<Current>("sitreps", "current").catch((e) => {
      if (e instanceof ApiFailure && e.status === 404) return null
      throw e
    }),
    api<History>("inspect", "history")
  ])
  return { status, current, history, at: new Date() }
}

/** An executor is stale when it holds an older version than the current one, or a kind reported stale. */
export const isStale = (r: Report, current: number | null) =>
  (current !== null && r.sitrep.version < current) || Object.values(r.kinds).some((k) => k.stale)

export const OverviewPage = () => {
  const [data, setData] = useState<Loaded<Overview>>({ state: "loading" })
  useEffect(() => {
    let live = true
    const tick = () => load().then((v) => live && setData({ state: "done", value: v }), (e) => live && setData(failed(e)))
    tick()
    const timer = setInterval(tick, REFRESH_MS)
    return () => {
      live = false
      clearInterval(timer)
    }
  }, [])
  if (data.state === "loading") return <p class="muted" aria-busy="true">Loading…</p>
  if (data.state === "failed") return <Refusal message={data.message} />
  const { status, current, history, at } = data.value
  const currentVersion = status.currentSitrep?.version ?? null
  const last = history.samples.at(-1)
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      <p class="muted" role="status" data-testid="refreshed">Refreshed at {at.toLocaleTimeString(undefined, { hour12: false })}, every {REFRESH_MS / 1000} s.</p>

      <h2>Current sitrep</h2>
      {current === null ? <p>No sitrep has been published.</p> : (
        <dl class="facts" data-testid="current-sitrep">
          <dt>Version</dt><dd><a href={`#/sitreps/${current.version}`}>{current.version}</a></dd>
          <dt>Published by</dt><dd>{current.publishedBy ?? "not recorded"}</dd>
          <dt>Planner's label</dt><dd>{current.creatorId}</dd>
          <dt>Published at</dt><dd>{time(current.timeCreated)}</dd>
          <dt>Comment</dt><dd>{current.comment}</dd>
          {kinds.map((k) => <><dt>Generation of {k.plural}</dt><dd>{current.generations[k.name] ?? "—"}</dd></>)}
        </dl>
      )}

      <h2>Executors</h2>
      {status.executors.length === 0 ? <p>No executor has reported yet.</p> : (
        <div class="scroll">
          <table data-testid="executors">
            <caption class="sr-only">Each executor's last activation</caption>
            <thead>
              <tr>
                <th scope="col">Executor</th><th scope="col">Holds version</th><th scope="col">Stale</th>
                {kinds.map((k) => <th scope="col">Lag, {k.plural}</th>)}
                <th scope="col">Last activation</th><th scope="col">Errors</th>
              </tr>
            </thead>
            <tbody>
              {status.executors.map((r) => {
                const stale = isStale(r, currentVersion)
                const errors = Object.values(r.kinds).flatMap((k) => k.errors)
                const errorCount = Object.values(r.kinds).reduce((n, k) => n + k.errorCount, 0)
                return (
                  <tr class={stale ? "row-bad" : ""} data-executor={r.executor}>
                    <th scope="row">{r.executor}</th>
                    <td>{r.sitrep.version}</td>
                    <td><Flag bad={stale}>{stale ? "stale" : "current"}</Flag></td>
                    {kinds.map((k) => {
                      const lag = r.kinds[k.name]?.lag ?? null
                      return <td><Flag bad={lag !== null && lag > 0}>{lag === null ? "—" : lag > 0 ? `${lag} (lagging)` : "0"}</Flag></td>
                    })}
                    <td>{time(r.activatedAt)}</td>
                    <td>{errorCount === 0 ? "none" : (
                      <ul class="errors">{errors.map((e) => <li>{e.requestId === null ? "" : `${e.requestId}: `}{e.message}</li>)}{errorCount > errors.length ? <li>and {errorCount - errors.length} more</li> : null}</ul>
                    )}</td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}

      <h2>Garbage collection</h2>
      {last === undefined ? <p class="muted">No sample yet (fm serve samples every {history.periodSeconds} s).</p> : (
        <div class="scroll">
          <table data-testid="backlog">
            <caption class="sr-only">Creation markers awaiting collection, per kind, sampled {time(last.at)}</caption>
            <thead><tr><th scope="col">Kind</th><th scope="col">Markers awaiting collection</th><th scope="col">Oldest waiting</th><th scope="col">Execution lag</th></tr></thead>
            <tbody>
              {kinds.map((k) => {
                const s = last.kinds[k.name]
                const stuck = s !== undefined && s.awaiting > 0 && s.oldestAgeSeconds > STUCK_AFTER_SECONDS
                return (
                  <tr class={stuck ? "row-bad" : ""}>
                    <th scope="row">{k.plural}</th>
                    <td>{s?.awaiting ?? "—"}</td>
                    <td><Flag bad={stuck}>{s === undefined || s.awaiting === 0 ? "—" : `${seconds(s.oldestAgeSeconds)}${stuck ? " (stuck)" : ""}`}</Flag></td>
                    <td><Flag bad={(s?.lag ?? 0) > 0}>{s?.lag ?? "—"}</Flag></td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
      <Charts history={history} />
    </section>
  )
}

const Charts = ({ history }: { history: History }) => {
  const key = history.samples.at(-1)?.at ?? ""
  const { times, lag, backlog } = useMemo(() => ({
    times: history.samples.map((s) => Date.parse(s.at) / 1000),
    lag: kinds.map((k) => ({ label: k.plural, values: history.samples.map((s) => s.kinds[k.name]?.lag ?? null) })),
    backlog: kinds.map((k) => ({ label: k.plural, values: history.samples.map((s) => s.kinds[k.name]?.awaiting ?? null) }))
  }), [key, history.samples.length])
  return (
    <div class="charts">
      <Chart title="Execution lag (generations), last hour" times={times} series={lag} />
      <Chart title="Markers awaiting collection, last hour" times={times} series={backlog} />
    </div>
  )
}
