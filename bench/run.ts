/**
 * `npm run bench`: the figures of issue 6 in one run, on PostgreSQL (DATABASE_URL, else an
 * embedded PostgreSQL 18). Prints a table, writes bench/results.json and bench/sweep-chart.svg.
 * Progress goes to stderr. FM_BENCH_QUICK=1 runs small sizes only (a smoke test of the bench).
 */
import { writeFileSync } from "node:fs"
import * as os from "node:os"
import { fileURLToPath } from "node:url"
import { deltaChart, publishChart, sweepChart } from "./chart.ts"
import { API_FULL, API_QUICK, apiScenarios } from "./scenarios/api.ts"
import { activationScenarios, BATCH_SIZE, PAGE_SIZE } from "./scenarios/activation.ts"
import { observabilityScenario } from "./scenarios/observability.ts"
import { startupScenario } from "./scenarios/startup.ts"
import { DELTA, deltaScenarios } from "./scenarios/delta.ts"
import { ADDED, DROPPED, publishScenarios } from "./scenarios/publish.ts"
import { STORAGE_ADDED, STORAGE_DROPPED, storageScenario } from "./scenarios/storage.ts"
import { SWEEPS, sweepScenarios } from "./scenarios/sweep.ts"
import { executorScenario } from "./scenarios/executor.ts"
import { progress, type Summary } from "./support/stats.ts"
import { serverFacts, startServer } from "./support/server.ts"

const quick = process.env["FM_BENCH_QUICK"] === "1"
const config = quick
  ? {
    activation: [
      { requested: 10, newGenRuns: 1, memoryRuns: 0 },
      { requested: 1_000, newGenRuns: 3, memoryRuns: 0 },
      { requested: 10_000, newGenRuns: 2, memoryRuns: 1 }
    ],
    steadyRuns: 3,
    background: 10_000,
    delta: { sizes: [10, 1_000, 10_000], runs: 2, explainCalls: 50 },
    sweep: { collectible: 2_000, sizes: [2_000, 20_000], runs: 2, latencyAt: [2_000, 20_000], latencyRounds: 2, latencyPerRound: 50 },
    observability: { requested: 1_000, newGenRuns: 3, steadyRuns: 20, background: 10_000 },
    startupRounds: 3,
    publish: { sizes: [1_000, 10_000], publishes: 2 },
    storage: { requested: 2_000, publishes: 10, keep: 5 },
    executor: { requested: 10_000, runs: 3, memoryRuns: 1 },
    api: API_QUICK
  }
  : {
    activation: [
      { requested: 10, newGenRuns: 1, memoryRuns: 0 },
      { requested: 1_000, newGenRuns: 7, memoryRuns: 0 },
      { requested: 100_000, newGenRuns: 5, memoryRuns: 3 }
    ],
    steadyRuns: 7,
    background: 100_000,
    delta: { sizes: [10, 1_000, 100_000], runs: 5, explainCalls: 500 },
    sweep: {
      collectible: 10_000,
      sizes: [10_000, 100_000, 1_000_000],
      runs: 5,
      latencyAt: [10_000, 1_000_000],
      latencyRounds: 3,
      latencyPerRound: 100
    },
    observability: { requested: 10_000, newGenRuns: 7, steadyRuns: 100, background: 100_000 },
    startupRounds: 15,
    publish: { sizes: [1_000, 100_000, 1_000_000], publishes: 5 },
    storage: { requested: 100_000, publishes: 50, keep: 5 },
    executor: { requested: 100_000, runs: 7, memoryRuns: 3 },
    api: API_FULL
  }

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))
const started = new Date()
const server = await startServer()
let results: Record<string, unknown>
try {
  const facts = await serverFacts(server.url)
  progress(`PostgreSQL ${facts["server_version"]} (${server.embedded ? "embedded" : "DATABASE_URL"}); ${os.cpus().length} cores; ${quick ? "QUICK sizes" : "full sizes"}`)
  const activation = await activationScenarios(server, config.activation, config.steadyRuns, config.background)
  const sweep = await sweepScenarios(server, config.sweep)
  const observability = await observabilityScenario(server, config.observability)
  const startup = await startupScenario(server, config.startupRounds)
  const delta = await deltaScenarios(server, config.delta.sizes, config.delta.runs, config.background, config.delta.explainCalls)
  const api = await apiScenarios(server, config.api)
  const publish = await publishScenarios(server, config.publish.sizes, config.publish.publishes)
  const storage = await storageScenario(server, config.storage)
  const executor = await executorScenario(server, config.executor)

  // ---- targets, every ratio from figures of this one run ----
  const steadyCounts = activation.steady.flatMap((s) => [s.statements.min, s.statements.max])
  const smallest = sweep.sweeps[0]!
  const largest = sweep.sweeps[sweep.sweeps.length - 1]!
  const ledgerGrowth = sweep.growth.ledger.median
  const r = (s: Summary) => `${s.median.toFixed(2)}x [${s.min.toFixed(2)}-${s.max.toFixed(2)}]`
  const deltaSizes = delta.filter((d) => d.requested >= 1000)
  const deltaStatements = deltaSizes.flatMap((d) => [d.delta.statements.min, d.delta.statements.max])
  const explainSmall = delta[0]!
  const explainLarge = delta[delta.length - 1]!
  const publishSmall = publish[0]!
  // The targets name R = 100,000; a run without it (quick) reads its largest R.
  const publishLarge = publish.find((p) => p.requested === 100_000) ?? publish[publish.length - 1]!
  const deltaRatio = publishLarge.delta.ms.median / publishSmall.delta.ms.median
  const targets = [
    {
      target: `issue 19 (section 12): the first activation after a publish of Delta = 10 reads O(Delta) rows (R = ${executor.requested.toLocaleString("en")})`,
      value: `${executor.firstAfterPublish.tupReturned.median} rows returned, ${executor.firstAfterPublish.tupFetched.median} fetched (pg_stat_database; the steady state: ${executor.steady.tupReturned.median})`,
      met: executor.firstAfterPublish.tupReturned.median <= 10 * 10
    },
    {
      target: `issue 19 (section 12): that activation within 2x of the steady state (R = ${executor.requested.toLocaleString("en")})`,
      value: `${r(executor.firstOverSteady)} (${executor.firstAfterPublish.ms.median.toFixed(1)} ms against ${executor.steady.ms.median.toFixed(1)} ms)`,
      met: executor.firstOverSteady.median <= 2
    },
    {
      target: `issue 19 (section 12): an executor holding R = ${executor.requested.toLocaleString("en")}: peak RSS and live heap per held request`,
      value: `${executor.memory.peakRssMiB.median.toFixed(0)} MiB peak (${executor.memory.rssAtStartMiB.median.toFixed(0)} MiB at start), ${executor.memory.heldBytesPerRequest.median.toFixed(1)} bytes per request held`,
      met: executor.memory.heldBytesPerRequest.median <= 263 / 2 && executor.memory.peakRssMiB.median <= 300 / 2
    },
    ...publish.flatMap((p) => (["full", "delta"] as const).map((form) => ({
      target: `issue 19: a publish of Delta = ${ADDED + DROPPED} (${form} document) writes <= 2 x Delta + cases + 10 rows (R = ${p.requested.toLocaleString("en")})`,
      value: `${p[form].rowsWritten.max} rows (${Math.ceil(p.requested / 1000) + 1} cases; the old copy wrote ${p.legacyCopy.rowsWritten.toLocaleString("en")})`,
      met: p[form].rowsWritten.max <= 2 * (ADDED + DROPPED) + Math.ceil(p.requested / 1000) + 1 + 10
    }))),
    {
      target: `issue 19: a delta document's publish at R = ${publishLarge.requested.toLocaleString("en")} within 1.5x of the same at R = ${publishSmall.requested.toLocaleString("en")}`,
      value: `${deltaRatio.toFixed(2)}x (${publishLarge.delta.ms.median.toFixed(1)} ms against ${publishSmall.delta.ms.median.toFixed(1)} ms)`,
      met: deltaRatio <= 1.5
    },
    ...publish.filter((p) => p.requested >= publishLarge.requested).map((p) => ({
      // The lead's reading: decoding the document is what the server must do with it at least,
      // JSON.parse and the document's schema decode; JSON.parse alone is printed beside it.
      target: `issue 19: a full document's publish within 3x of decoding it alone, JSON.parse + the document schema (R = ${p.requested.toLocaleString("en")})`,
      value: `${(p.full.ms.median / p.schemaDecodeMs.median).toFixed(2)}x (${p.full.ms.median.toFixed(0)} ms against ${p.schemaDecodeMs.median.toFixed(0)} ms for JSON.parse and the schema; ${(p.full.ms.median / p.decodeMs.median).toFixed(1)}x of JSON.parse alone, ${p.decodeMs.median.toFixed(1)} ms)`,
      met: p.full.ms.median <= 3 * p.schemaDecodeMs.median
    })),
    {
      target: `issue 19: an executor's move reads O(Delta) request rows, not R (R = ${publishLarge.requested.toLocaleString("en")})`,
      value: `${publishLarge.move.rowsRead} rows in ${publishLarge.move.ms.median.toFixed(1)} ms against a full read of ${publishLarge.fullRead.rowsRead.toLocaleString("en")} in ${publishLarge.fullRead.ms.median.toFixed(0)} ms (R = ${publishSmall.requested.toLocaleString("en")}: ${publishSmall.move.ms.median.toFixed(1)} ms)`,
      met: publishLarge.move.rowsRead <= 2 * (ADDED + DROPPED)
    },
    {
      target: `issue 19: request storage with ${2 * publishLarge.publishes + 1} versions kept within 1.5x of one copy of R (R = ${publishLarge.requested.toLocaleString("en")})`,
      value: `${(publishLarge.storage.lineageBytes / publishLarge.storage.oneCopyBytes).toFixed(2)}x (the old per-version copy: ${(publishLarge.storage.legacyBytes / publishLarge.storage.oneCopyBytes).toFixed(1)}x)`,
      met: publishLarge.storage.lineageBytes <= 1.5 * publishLarge.storage.oneCopyBytes
    },
    {
      target: `issue 19: request and case storage after ${storage.publishes} publishes of Delta = ${STORAGE_ADDED + STORAGE_DROPPED}, ${storage.versions} versions kept, within 1.5x of one copy of R (R = ${storage.requested.toLocaleString("en")})`,
      value: `${((storage.beforePrune.lineage.bytes + storage.beforePrune.cases.bytes) / storage.oneCopy.bytes).toFixed(2)}x (requests alone ${(storage.beforePrune.lineage.bytes / storage.oneCopy.bytes).toFixed(2)}x; the old per-version copy ${(storage.legacy.bytes / storage.oneCopy.bytes).toFixed(1)}x)`,
      met: storage.beforePrune.lineage.bytes + storage.beforePrune.cases.bytes <= 1.5 * storage.oneCopy.bytes
    },
    {
      target: `issue 19: pruning to ${storage.keep} versions removes exactly the request rows no retained version carries (R = ${storage.requested.toLocaleString("en")})`,
      value: `${storage.pruned.removed} rows removed of ${storage.pruned.expected} carried by no retained version; ${storage.afterPrune.lineage.rows.toLocaleString("en")} left (${storage.afterPrune.lineage.carried.toLocaleString("en")} carried)`,
      met: storage.pruned.removed === storage.pruned.expected && storage.afterPrune.lineage.carried === storage.beforePrune.lineage.carried
    },
    {
      target: `8. new generation adding ${DELTA} requests: the same statements at every R (ceil(${DELTA} / ${BATCH_SIZE}) + a constant)`,
      value: `${[...new Set(deltaStatements)].join(", ")} statements at R = ${deltaSizes.map((d) => d.requested.toLocaleString("en")).join(", ")} (full re-execution: ${deltaSizes.map((d) => d.full.statements.median).join(", ")})`,
      met: new Set(deltaStatements).size === 1
    },
    ...deltaSizes.map((d) => ({
      target: `8. new generation adding ${DELTA} requests at R = ${d.requested.toLocaleString("en")}: wall time within 2x of the steady state`,
      value: r(d.deltaOverSteady),
      met: d.deltaOverSteady.median <= 2
    })),
    {
      target: `9. explain p50 with a current sitrep of ${explainLarge.requested.toLocaleString("en")} / of ${explainSmall.requested.toLocaleString("en")} requests <= 1.2`,
      value: `${(explainLarge.explain.p50 / explainSmall.explain.p50).toFixed(2)}x (p99 ${(explainLarge.explain.p99 / explainSmall.explain.p99).toFixed(2)}x)`,
      met: explainLarge.explain.p50 / explainSmall.explain.p50 <= 1.2
    },
    {
      target: "1. steady-state activation: the same small number of statements for every R",
      value: `${[...new Set(steadyCounts)].join(", ")} statements at R = ${activation.steady.map((s) => s.requested.toLocaleString("en")).join(", ")}`,
      met: new Set(steadyCounts).size === 1
    },
    ...activation.newGeneration.filter((g) => g.requested >= 1000).map((g) => ({
      target: `2. new generation R = ${g.requested.toLocaleString("en")}: guarded creation within 1.5x of the plain insert`,
      value: `${r(g.ratio)} (whole activation ${r(g.activationRatio)}; guarded / plain insert of rows and markers ${r(g.ratioWithMarkers)})`,
      met: g.ratio.median <= 1.5
    })),
    {
      target: `3. candidate sweep: time at ${largest.live.toLocaleString("en")} live / at ${smallest.live.toLocaleString("en")} live <= 1.3`,
      value: r(sweep.growth.ledger),
      met: ledgerGrowth <= 1.3
    },
    ...sweep.sweeps.map((s) => ({
      target: `3. candidate sweep within 1.5x of deleting the K markers by primary key, ${s.live.toLocaleString("en")} live`,
      value: r(s.ledgerOverLimit),
      met: s.ledgerOverLimit.median <= 1.5
    })),
    ...(["steady", "newGeneration"] as const).map((which) => ({
      target: `6. metrics and tracing on / off, ${which === "steady" ? "steady-state" : "new-generation"} activation, R = ${observability.requested.toLocaleString("en")}: within 1.05x`,
      value: r(observability[which].ratio),
      met: observability[which].ratio.median <= 1.05
    })),
    ...(["node", "npx"] as const).flatMap((via) =>
      ([["fm status", 1.5], ["fm --version", 1.2]] as const).map(([command, limit]) => ({
        target: `7. start-up, ${via === "node" ? "with node" : "through npx (the baseline through npx too)"}: ${command} within ${limit}x of a script that only imports effect`,
        value: `${r(startup.ratio[`${via} ${command}`]!)} (${startup.ms[`${via} ${command}`]!.median.toFixed(0)} ms against ${startup.ms[`${via} effect`]!.median.toFixed(0)} ms)`,
        met: startup.ratio[`${via} ${command}`]!.median <= limit
      })))
  ]

  results = {
    startedAt: started.toISOString(),
    durationSeconds: Math.round((Date.now() - started.getTime()) / 1000),
    quick,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? "",
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      loadAverageAtEnd: os.loadavg()
    },
    server: { embedded: server.embedded, ...facts },
    settings: { batchSize: BATCH_SIZE, sweepPageSize: PAGE_SIZE },
    activation,
    sweep,
    observability,
    startup,
    delta,
    api,
    publish,
    storage,
    executor,
    targets
  }
  writeFileSync(here("./results.json"), JSON.stringify(results, null, 2) + "\n")
  // A quick smoke run must not replace the committed chart that docs/PERFORMANCE.md shows.
  const chartFile = quick ? "./sweep-chart-quick.svg" : "./sweep-chart.svg"
  writeFileSync(
    here(quick ? "./delta-chart-quick.svg" : "./delta-chart.svg"),
    deltaChart(delta, DELTA, `A new generation adding ${DELTA} requests, PostgreSQL ${facts["server_version"]?.split(" ")[0]}`)
  )
  writeFileSync(
    here(quick ? "./publish-chart-quick.svg" : "./publish-chart.svg"),
    publishChart(publish, ADDED + DROPPED, `Publishing a child of Delta = ${ADDED + DROPPED}, PostgreSQL ${facts["server_version"]?.split(" ")[0]}`)
  )
  writeFileSync(
    here(chartFile),
    sweepChart(sweep.sweeps, `Sweeping K = ${smallest.collectible.toLocaleString("en")} collectible markers, PostgreSQL ${facts["server_version"]?.split(" ")[0]}`)
  )

  // ---- the table ----
  const f = (s: Summary, digits = 1) =>
    `${s.median.toFixed(digits)} [${s.min.toFixed(digits)}-${s.max.toFixed(digits)}]`
  const n = (s: Summary) => (s.min === s.max ? String(s.median) : `${s.median} [${s.min}-${s.max}]`)
  const rows: Array<string> = []
  const line = (...cells: Array<string>) => rows.push(cells.join(" | "))
  rows.push(`fm-rendezvous bench: PostgreSQL ${facts["server_version"]}${server.embedded ? " (embedded)" : ""}, ${os.cpus().length} cores, Node ${process.version}`)
  rows.push(`figures: median [min-max] of the runs; ratios paired within each run, then median [min-max]; batch ${BATCH_SIZE}, sweep page ${PAGE_SIZE}`)
  rows.push("")
  rows.push("1. steady-state activation (sitrep fully executed and swept)")
  line("R", "statements", "wall ms")
  for (const s of activation.steady) line(s.requested.toLocaleString("en"), n(s.statements), f(s.ms, 2))
  rows.push("")
  rows.push(`2. new generation (every request created through the activate use case; ${activation.background.toLocaleString("en")} other live rows in the tables)`)
  line("R", "what", "statements", "wall ms", "rows/s", "vs plain insert")
  for (const g of activation.newGeneration.filter((g) => g.requested >= 1000)) {
    const R = g.requested.toLocaleString("en")
    line(R, "activation (use case)", n(g.activation.statements), f(g.activation.ms, 0), f(g.activation.rowsPerSecond, 0), r(g.activationRatio))
    line(R, "guarded batches only", n(g.guarded.statements), f(g.guarded.ms, 0), f(g.guarded.rowsPerSecond, 0), r(g.ratio))
    line(R, "plain insert (limit)", n(g.limit.statements), f(g.limit.ms, 0), f(g.limit.rowsPerSecond, 0), "1")
    line(R, "plain insert + markers, no guard", n(g.limitWithMarkers.statements), f(g.limitWithMarkers.ms, 0), f(g.limitWithMarkers.rowsPerSecond, 0), r(g.markersOverLimit))
  }
  rows.push("")
  rows.push(`3. sweep of K = ${smallest.collectible.toLocaleString("en")} collectible markers`)
  line("live rows", ...SWEEPS.map((s) => `${s.name} ms (statements)`), "ledger/limit")
  for (const s of sweep.sweeps) {
    line(
      s.live.toLocaleString("en"),
      ...SWEEPS.map(({ name }) => `${f(s.byName[name].ms, 0)} (${n(s.byName[name].statements)})`),
      r(s.ledgerOverLimit)
    )
  }
  line(
    `${largest.live.toLocaleString("en")} / ${smallest.live.toLocaleString("en")}`,
    ...SWEEPS.map(({ name }) => r(sweep.growth[name]))
  )
  rows.push("")
  rows.push("4. operator delete and explain latency, ms")
  line("live rows", "delete p50", "delete p99", "delete statements", "explain p50", "explain p99", "explain statements")
  for (const l of sweep.latency) {
    line(l.live.toLocaleString("en"), f(l.delete.p50, 2), f(l.delete.p99, 2), String(l.delete.statements), f(l.explain.p50, 2), f(l.explain.p99, 2), String(l.explain.statements))
  }
  rows.push("")
  if (activation.memory !== null) {
    const m = activation.memory
    rows.push(`5. executor activation at R = ${m.requested.toLocaleString("en")} in a child process: peak RSS ${f(m.peakRssMiB, 0)} MiB (RSS at start ${f(m.rssAtStartMiB, 0)} MiB, after loading the sitrep ${f(m.rssBeforeActivationMiB, 0)} MiB; activation ${f(m.activationMs, 0)} ms); ${Math.round((m.peakRssMiB.median - m.rssAtStartMiB.median) * 2 ** 20 / m.requested)} bytes per request at the peak; the held sitrep retains ${f(m.heldBytesPerRequest, 0)} bytes of live heap per request`)
    rows.push("")
  }
  const o = observability
  rows.push(`6. metrics and tracing, R = ${o.requested.toLocaleString("en")}: off (no endpoint, no scrape) / on (OTLP JSON to a loopback receiver, scraped after each activation), wall ms`)
  line("activation", "off", "on", "on / off")
  line("steady state", f(o.steady.off, 2), f(o.steady.on, 2), r(o.steady.ratio))
  line("new generation", f(o.newGeneration.off, 0), f(o.newGeneration.on, 0), r(o.newGeneration.ratio))
  rows.push(`   ${o.spansExported} spans exported; one scrape ${o.scrapeBytes} bytes in ${f(o.scrapeMs, 2)} ms`)
  rows.push("")
  rows.push(`7. start-up, wall ms of whole processes (${startup.rounds} rounds; ratio to the effect-only script of the same route)`)
  line("route", "command", "wall ms", "ratio")
  for (const key of Object.keys(startup.ms)) {
    const [via, ...command] = key.split(" ")
    line(via!, command.join(" "), f(startup.ms[key]!, 0), startup.ratio[key] === undefined ? "1" : r(startup.ratio[key]!))
  }
  rows.push("")
  rows.push(`8. new generation adding ${DELTA} requests (progress at the previous generation), against today's full re-execution and the steady state; publish of that child; explain with that current sitrep`)
  line("R", "delta statements", "delta ms", "full statements", "full ms", "steady ms", "delta/steady", "publish statements", "publish ms", "publish rows", "explain p50 ms", "explain p99 ms")
  for (const d of delta) {
    line(d.requested.toLocaleString("en"), n(d.delta.statements), f(d.delta.ms, 1), n(d.full.statements), f(d.full.ms, 0), f(d.steady.ms, 1), r(d.deltaOverSteady),
      n(d.publish.statements), f(d.publish.ms, 0), String(d.publish.rowsWritten), d.explain.p50.toFixed(2), d.explain.p99.toFixed(2))
  }
  rows.push("")
  rows.push(`9. the API (fm serve on loopback, autocannon ${config.api.seconds} s per cell) beside the use case in-process (${config.api.inProcessRuns} calls); p50 / p99 ms, requests per second`)
  const connections = [1, 8, 32, "in-process"] as const
  line("rows", "operation", ...connections.map((c) => (typeof c === "number" ? `${c} connection${c === 1 ? "" : "s"}` : c)))
  for (const rowsCount of config.api.sizes) {
    for (const operation of [...new Set(api.map((c) => c.operation))]) {
      const cells = connections.map((c) => api.find((a) => a.rows === rowsCount && a.operation === operation && a.connections === c))
      line(rowsCount.toLocaleString("en"), operation, ...cells.map((a) =>
        a === undefined ? "-" : `${a.p50ms.toFixed(1)} / ${a.p99ms.toFixed(1)}, ${a.requestsPerSecond.toFixed(0)}${a.non2xx > 0 ? ` (${a.non2xx} non-2xx)` : ""}`))
    }
  }
  rows.push("")
  rows.push(`10. issue 19: publish of a child adding ${ADDED} and dropping ${DROPPED}, as a full document and as a delta document (alternating), against the old copy-every-request INSERT (emulated on a scratch table, "before"); decoding the full document alone; an executor's move to it against a full read; storage after the publishes, every version kept`)
  line("R", "full: statements", "full ms", "full rows", "delta: statements", "delta ms", "delta rows", "before: old copy ms (rows)", "JSON.parse ms", "parse + schema ms",
    "full / (parse + schema)", "full / parse", "move statements", "move ms", "full read ms", "storage / one copy", "old storage / one copy")
  for (const p of publish) {
    line(p.requested.toLocaleString("en"), n(p.full.statements), f(p.full.ms, 1), n(p.full.rowsWritten), n(p.delta.statements), f(p.delta.ms, 1), n(p.delta.rowsWritten),
      `${f(p.legacyCopy.ms, 1)} (${p.legacyCopy.rowsWritten.toLocaleString("en")})`, f(p.decodeMs, 2), f(p.schemaDecodeMs, 1), `${(p.full.ms.median / p.schemaDecodeMs.median).toFixed(2)}x`,
      `${(p.full.ms.median / p.decodeMs.median).toFixed(1)}x`,
      n(p.move.statements), f(p.move.ms, 1), f(p.fullRead.ms, 1), (p.storage.lineageBytes / p.storage.oneCopyBytes).toFixed(2), (p.storage.legacyBytes / p.storage.oneCopyBytes).toFixed(1))
  }
  rows.push("")
  const st = storage
  const mib = (b: number) => (b / 2 ** 20).toFixed(1)
  rows.push(`11. issue 19: storage after ${st.publishes} publishes of ${STORAGE_ADDED} added and ${STORAGE_DROPPED} dropped at R = ${st.requested.toLocaleString("en")} (${st.versions} versions kept; built in ${st.buildSeconds.toFixed(0)} s), then pruned to ${st.keep}; pg_total_relation_size in MiB`)
  line("table", "MiB", "rows", "/ one copy", `MiB after prune`, "rows after prune")
  line(`lineage_request (requests, once; indexes ${mib(st.beforePrune.lineage.indexBytes)})`, mib(st.beforePrune.lineage.bytes), st.beforePrune.lineage.rows.toLocaleString("en"),
    (st.beforePrune.lineage.bytes / st.oneCopy.bytes).toFixed(2), mib(st.afterPrune.lineage.bytes), st.afterPrune.lineage.rows.toLocaleString("en"))
  line("sitrep_case (cases, per version)", mib(st.beforePrune.cases.bytes), st.beforePrune.cases.rows.toLocaleString("en"),
    (st.beforePrune.cases.bytes / st.oneCopy.bytes).toFixed(2), mib(st.afterPrune.cases.bytes), st.afterPrune.cases.rows.toLocaleString("en"))
  line(`one copy of R (newest version, PK (kind, id) ${mib(st.oneCopy.indexBytes)})`, mib(st.oneCopy.bytes), st.oneCopy.rows.toLocaleString("en"), "1", "", "")
  line("old per-version copy (emulated)", mib(st.legacy.bytes), st.legacy.rows.toLocaleString("en"), (st.legacy.bytes / st.oneCopy.bytes).toFixed(1), "", st.legacy.rowsAfterPrune.toLocaleString("en"))
  rows.push(`   the prune removed ${st.pruned.removed} request rows (${st.pruned.expected} were carried by no retained version) with ${st.pruned.versionsRemoved} versions; ${st.afterPrune.lineage.dropped} dropped rows stay for the retained versions that carry them`)
  rows.push("")
  rows.push(`12. issue 19, the executor's side: the daemon's tick (loader, activation) right after a publish of Delta = 10 against the same tick in the steady state; an executor process holding R`)
  line("R", "first statements", "first ms", "first rows returned", "first rows fetched", "steady statements", "steady ms", "steady rows returned", "first/steady", "peak RSS MiB", "RSS at start MiB", "held bytes/request")
  line(executor.requested.toLocaleString("en"), n(executor.firstAfterPublish.statements), f(executor.firstAfterPublish.ms, 1), n(executor.firstAfterPublish.tupReturned),
    n(executor.firstAfterPublish.tupFetched), n(executor.steady.statements), f(executor.steady.ms, 1), n(executor.steady.tupReturned), r(executor.firstOverSteady),
    f(executor.memory.peakRssMiB, 0), f(executor.memory.rssAtStartMiB, 0), f(executor.memory.heldBytesPerRequest, 1))
  rows.push("")
  rows.push("targets")
  for (const t of targets) rows.push(`  ${t.met ? "met   " : "MISSED"}  ${t.target}: ${t.value}`)
  process.stdout.write(rows.join("\n") + "\n")
  progress(`done in ${results["durationSeconds"]} s; wrote bench/results.json and bench/${chartFile.slice(2)}`)
} finally {
  await server.stop()
}
