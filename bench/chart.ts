import type { DeltaFigures } from "./scenarios/delta.ts"
import type { PublishFigures } from "./scenarios/publish.ts"
import type { SweepFigures, SweepName } from "./scenarios/sweep.ts"
import type { Summary } from "./support/stats.ts"

/** One line of a chart: a median (with min-max bars) at each x. */
interface Series {
  readonly label: string
  readonly color: string
  readonly dash: string
  readonly at: ReadonlyArray<Summary>
}

const fmtCount = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n))
const fmtMs = (v: number) => (v >= 1000 ? `${v / 1000} s` : `${v} ms`)

/** A wall-time chart, both axes logarithmic. Plain SVG, no dependency. */
const logLogChart = (options: {
  readonly title: string
  readonly subtitle: string
  readonly xLabel: string
  readonly yLabel: string
  readonly xs: ReadonlyArray<number>
  readonly series: ReadonlyArray<Series>
}): string => {
  const { xs, series } = options
  const W = 760
  const H = 460
  const left = 70
  const right = 20
  const top = 50
  const bottom = 150
  const pw = W - left - right
  const ph = H - top - bottom
  const ys = series.flatMap((s) => s.at.flatMap((f) => [f.min, f.max]))
  const lx0 = Math.log10(Math.min(...xs)) - 0.15
  const lx1 = Math.log10(Math.max(...xs)) + 0.15
  const ly0 = Math.floor(Math.log10(Math.max(0.1, Math.min(...ys))))
  const ly1 = Math.ceil(Math.log10(Math.max(...ys)))
  const x = (v: number) => left + ((Math.log10(v) - lx0) / (lx1 - lx0)) * pw
  const y = (v: number) => top + ph - ((Math.log10(Math.max(v, 10 ** ly0)) - ly0) / (ly1 - ly0)) * ph
  const out: Array<string> = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`)
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`)
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${options.title}</text>`)
  out.push(`<text x="${W / 2}" y="40" text-anchor="middle" fill="#555">${options.subtitle}</text>`)
  for (let e = ly0; e <= ly1; e++) {
    const v = 10 ** e
    out.push(`<line x1="${left}" x2="${left + pw}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`)
    out.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${fmtMs(v)}</text>`)
  }
  for (const v of xs) {
    out.push(`<line x1="${x(v)}" x2="${x(v)}" y1="${top}" y2="${top + ph}" stroke="#eee"/>`)
    out.push(`<text x="${x(v)}" y="${top + ph + 16}" text-anchor="middle">${fmtCount(v)}</text>`)
  }
  out.push(`<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`)
  out.push(`<text x="${left + pw / 2}" y="${top + ph + 34}" text-anchor="middle">${options.xLabel}</text>`)
  out.push(`<text transform="translate(16 ${top + ph / 2}) rotate(-90)" text-anchor="middle">${options.yLabel}</text>`)
  series.forEach(({ label, color, dash, at }, i) => {
    const pts = at.map((f, j) => [x(xs[j]!), y(f.median)] as const)
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" ${dash ? `stroke-dasharray="${dash}"` : ""} points="${pts.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(" ")}"/>`)
    at.forEach((f, j) => {
      out.push(`<line x1="${x(xs[j]!)}" x2="${x(xs[j]!)}" y1="${y(f.min)}" y2="${y(f.max)}" stroke="${color}"/>`)
      out.push(`<circle cx="${x(xs[j]!)}" cy="${y(f.median)}" r="3.5" fill="${color}"><title>${label}: ${f.median.toFixed(1)} ms at ${xs[j]}</title></circle>`)
    })
    const ly = top + ph + 56 + i * 20
    out.push(`<line x1="${left}" x2="${left + 30}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2" ${dash ? `stroke-dasharray="${dash}"` : ""}/>`)
    out.push(`<text x="${left + 38}" y="${ly + 4}">${label}</text>`)
  })
  out.push(`</svg>`)
  return out.join("\n") + "\n"
}

const SWEEP_SERIES: ReadonlyArray<{ readonly name: SweepName; readonly label: string; readonly color: string; readonly dash: string }> = [
  { name: "ledger", label: "GC candidates on the markers (this design)", color: "#1f77b4", dash: "" },
  { name: "limit", label: "limit: DELETE the K markers by primary key", color: "#2ca02c", dash: "6 4" },
  { name: "tombstone", label: "baseline (a): full-table tombstone sweep", color: "#d62728", dash: "" },
  { name: "reconcile", label: "baseline (b): page through every marker", color: "#ff7f0e", dash: "" }
]

/** The sweep chart: each sweep's wall time against the number of live resources and markers. */
export const sweepChart = (sweeps: ReadonlyArray<SweepFigures>, title: string): string =>
  logLogChart({
    title,
    subtitle: "median wall time per sweep (bars: min to max), log-log",
    xLabel: `live resources and markers in the tables (K = ${sweeps[0]?.collectible.toLocaleString("en")} collectible markers)`,
    yLabel: "sweep wall time",
    xs: sweeps.map((s) => s.live),
    series: SWEEP_SERIES.map(({ name, ...style }) => ({ ...style, at: sweeps.map((s) => s.byName[name].ms) }))
  })

/** The delta chart (issue 13): a new generation's activation against R, delta, full and steady. */
export const deltaChart = (figures: ReadonlyArray<DeltaFigures>, delta: number, title: string): string =>
  logLogChart({
    title,
    subtitle: "median wall time per activation (bars: min to max), log-log",
    xLabel: `requests R in the held sitrep (the new generation added ${delta})`,
    yLabel: "activation wall time",
    xs: figures.map((f) => f.requested),
    series: [
      { label: `delta: execute the ${delta} requests that entered after the executed generation`, color: "#1f77b4", dash: "", at: figures.map((f) => f.delta.ms) },
      { label: "full: execute every request again (before issue 13)", color: "#d62728", dash: "", at: figures.map((f) => f.full.ms) },
      { label: "steady state: the same generation already executed and swept", color: "#2ca02c", dash: "6 4", at: figures.map((f) => f.steady.ms) }
    ]
  })

/** The publish chart (issue 19): a child of Delta = 10 against R, before and after. */
export const publishChart = (figures: ReadonlyArray<PublishFigures>, delta: number, title: string): string =>
  logLogChart({
    title,
    subtitle: "median wall time per publish (bars: min to max), log-log",
    xLabel: `requests R in the parent (the child adds ${delta / 2} and drops ${delta / 2})`,
    yLabel: "wall time",
    xs: figures.map((f) => f.requested),
    series: [
      { label: "before issue 19: the old publish's copy of every request (its INSERT alone, emulated)", color: "#d62728", dash: "", at: figures.map((f) => f.legacyCopy.ms) },
      { label: "full document: checked by digest against the parent's outline, adds and drops written", color: "#ff7f0e", dash: "", at: figures.map((f) => f.full.ms) },
      { label: "delta document (SPEC 7.1a): only what it touches read, adds and drops written", color: "#1f77b4", dash: "", at: figures.map((f) => f.delta.ms) },
      { label: "JSON.parse of the full document alone (the least a full document can cost)", color: "#2ca02c", dash: "6 4", at: figures.map((f) => f.decodeMs) }
    ]
  })
