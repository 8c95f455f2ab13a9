import {
  type ActivationReport,
  encodeReport,
  type ExecutorProcess,
  type KindRegistry,
  type KindReport,
  lag,
  type Reconciled
} from "@fm-rendezvous/domain"
import { processToJson } from "./process.ts"
import { count, line, plural, renderRows, type Row, text } from "./table.ts"

/**
 * The activation report, rendered once for `fm activate`, `fm status`, the daemon and the
 * simulation: SPEC 6 in plain words for people, SPEC 7.3 for scripts.
 */

/** How far execution trailed the current generation when the activation ran. */
export const lagOf = (k: KindReport): bigint | null => lag(k.executedThrough, k.currentGeneration)

/** SPEC 7.3: generations through the domain's JSON encoding, plus the lag per kind. */
export const reportToJson = (report: ActivationReport) => {
  const encoded = encodeReport(report)
  const kinds: Record<string, (typeof encoded.kinds)[string] & { lag: number | null }> = {}
  for (const [name, k] of Object.entries(report.kinds)) {
    const lag = lagOf(k)
    kinds[name] = { ...encoded.kinds[name]!, lag: lag === null ? null : Number(lag) }
  }
  return { ...encoded, kinds }
}

/** What a stale guard means for this activation: creation stopped at the first stale batch. */
const staleOutcome = (k: KindReport): string =>
  k.created === 0 ? "it created nothing" : `it stopped creating after ${plural(k.created, "resource")}`

const staleLine = (k: KindReport): string => {
  const current = k.currentGeneration === null ? "no current sitrep" : `current generation ${k.currentGeneration}`
  return k.stale
    ? `stale sitrep: yes (${current}; this executor holds generation ${k.generation ?? "none"}, so ${staleOutcome(k)}; load the current sitrep)`
    : `stale sitrep: no (${current})`
}

const kindRows = (k: KindReport): Array<Row> => {
  const lag = lagOf(k)
  const rows: Array<Row> = [count("requested in this sitrep", k.requested)]
  if (k.skipped) {
    rows.push(line(`creation skipped: generation ${k.generation} was already fully executed`))
  } else {
    rows.push(
      count("created in this activation", k.created),
      count("already existed", k.alreadyExisted),
      count("not re-created: deleted by an operator", k.tombstoned)
    )
  }
  rows.push(line(staleLine(k)), count("errors", k.errorCount))
  for (const e of k.errors) rows.push(line(`  - ${e.requestId === null ? "" : `request ${e.requestId}: `}${e.message}`))
  if (k.errorCount > k.errors.length) rows.push(line(`  ... and ${k.errorCount - k.errors.length} more`))
  rows.push(
    k.executedThrough === null
      ? text("executed through generation", "none yet")
      : count("executed through generation", k.executedThrough, lag === null ? undefined : `(lag ${lag} at activation)`)
  )
  if (k.sweepSkipped) rows.push(line(`creation markers swept: none needed (generation ${k.generation} was already swept)`))
  else {
    rows.push(count("creation markers swept", k.markersSwept, `in ${plural(k.sweepPages, "page")}${k.reconciled ? ", with a full reconciliation pass" : ""}`))
  }
  return rows
}

export const renderReport = (registry: KindRegistry, report: ActivationReport): string => {
  const head: Array<Row> = [text("executor", `${report.executor} (activated ${report.activatedAt})`)]
  head.push(text("sitrep held", `${report.sitrep.id}  (version ${report.sitrep.version})`))
  head.push(
    report.currentSitrep === null
      ? text("current at activation", "none published")
      : text(
        "current at activation",
        report.currentSitrep.id === report.sitrep.id
          ? `the one held  (version ${report.currentSitrep.version})`
          : `${report.currentSitrep.id}  (version ${report.currentSitrep.version})`
      )
  )
  const lines = renderRows(head)
  const known = registry.all.map((k) => k.name as string)
  const names = [...known.filter((n) => n in report.kinds), ...Object.keys(report.kinds).filter((n) => !known.includes(n))]
  for (const name of names) {
    const k = report.kinds[name]!
    const words = registry.find(name)
    const title = words._tag === "Some" ? words.value.plural : name
    lines.push(`${title} (generation ${k.generation ?? "none"}):`)
    lines.push(...renderRows(kindRows(k), "  "))
  }
  return lines.join("\n")
}

/** One structured log line per activation (issue 4): the counts that matter, per kind. */
export const reportLogFields = (report: ActivationReport): Record<string, unknown> => {
  const fields: Record<string, unknown> = { executor: report.executor, sitrepVersion: report.sitrep.version }
  for (const [name, k] of Object.entries(report.kinds)) {
    fields[name] = k.skipped
      ? `creation skipped (generation ${k.generation} already executed) swept=${k.markersSwept}`
      : `gen=${k.generation} created=${k.created} existed=${k.alreadyExisted} tombstoned=${k.tombstoned} stale=${k.stale} errors=${k.errorCount} swept=${k.markersSwept}`
  }
  return fields
}

/** The report in one line, for the simulation's running log: each kind's outcome in brief. */
export const renderReportLine = (registry: KindRegistry, report: ActivationReport): string => {
  const current = report.currentSitrep?.version
  const held = `${report.executor} holds v${report.sitrep.version}${current !== undefined && current !== report.sitrep.version ? ` (current v${current})` : ""}`
  const parts = Object.entries(report.kinds).map(([name, k]) => {
    const words = registry.find(name)
    const title = words._tag === "Some" ? words.value.plural : name
    const outcome = k.stale
      ? `stale, ${staleOutcome(k).replace("it ", "")} (current generation ${k.currentGeneration ?? "none"})`
      : k.skipped
      ? "already executed"
      : `${k.created} created, ${k.alreadyExisted} existed, ${k.tombstoned} skipped as deleted`
    const errors = k.errorCount > 0 ? `, ${plural(k.errorCount, "error")}` : ""
    const swept = k.markersSwept > 0 ? `, ${plural(k.markersSwept, "marker")} swept` : ""
    return `${title} g${k.generation ?? "-"}: ${outcome}${errors}${swept}`
  })
  return `${held} | ${parts.join(" | ")}`
}

/** Issue 18: when each kind was last reconciled, by anyone, as JSON (`fm status`, `GET /v1/status`). */
const reconciledToJson = (reconciled: Readonly<Record<string, Reconciled>>) =>
  Object.fromEntries(Object.entries(reconciled).map(([kind, r]) => [kind, { at: r.at.toISOString(), by: r.by }]))

/**
 * `fm status --json`: each report's kinds gain `lastReconciled` (the shared record now; SPEC 7.3
 * fields unchanged), and the report gains `process`, the lease of its name (issue 25; null when no
 * process holds or held it since leases exist).
 */
const statusReportToJson = (
  report: ActivationReport,
  reconciled: Readonly<Record<string, Reconciled>>,
  process: ExecutorProcess | undefined
) => {
  const json = reportToJson(report)
  const live = reconciledToJson(reconciled)
  return {
    ...json,
    process: process === undefined ? null : processToJson(process),
    kinds: Object.fromEntries(Object.entries(json.kinds).map(([kind, k]) => [kind, { ...k, lastReconciled: live[kind] ?? null }]))
  }
}

/**
 * `fm status --json` and `GET /v1/status`, one document (issue 25.8): the current sitrep, each
 * executor's last report (SPEC 7.3, each kind with `lag` and `lastReconciled`, and the `process`
 * behind its name, issue 25.7) and the shared reconciliation record.
 */
export const statusToJson = (
  current: { readonly id: string; readonly version: number } | null,
  reports: ReadonlyArray<ActivationReport>,
  reconciled: Readonly<Record<string, Reconciled>>,
  processes: ReadonlyArray<ExecutorProcess>
) => ({
  currentSitrep: current === null ? null : { id: current.id, version: Number(current.version) },
  executors: reports.map((r) => statusReportToJson(r, reconciled, processes.find((p) => p.executor === r.executor))),
  reconciled: reconciledToJson(reconciled)
})

/** `fm status` text: one line per kind, when it was last reconciled (issue 18). */
export const renderReconciled = (kinds: KindRegistry, reconciled: Readonly<Record<string, Reconciled>>): string =>
  ["last reconciled (every request executed again, full marker pass):", ...kinds.all.map((kind) => {
    const r = reconciled[kind.name]
    return `  ${kind.plural}: ${r === undefined ? "never" : `${r.at.toISOString()} by ${r.by}`}`
  })].join("\n")
