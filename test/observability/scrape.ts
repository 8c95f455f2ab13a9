import type { DaemonProcess } from "../faults/harness.ts"

/** One sample of a scrape: a metric name, its labels, its value. */
export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

/** Reads a Prometheus text exposition (what a scraper sees) into samples, and its TYPE lines. */
export const parseExposition = (text: string) => {
  const samples: Array<Sample> = []
  const types = new Map<string, string>()
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line)
    if (type !== null) types.set(type[1]!, type[2]!)
    if (line === "" || line.startsWith("#")) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (m === null) throw new Error(`not a Prometheus sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!
    samples.push({ name: m[1]!, labels, value: Number(m[3]) })
  }
  return { samples, types }
}
export type Scrape = ReturnType<typeof parseExposition>

/** The value of the one sample with this name and (at least) these labels; 0 when there is none. */
export const valueOf = (scrape: Scrape, name: string, labels: Record<string, string> = {}): number => {
  const found = scrape.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} series`)
  return found[0]?.value ?? 0
}

/** The metrics URL a daemon logged when its listener came up (it may have been given port 0). */
export const metricsUrlOf = async (daemon: DaemonProcess): Promise<string> => {
  await daemon.waitForLog(/metrics listening on http:\/\/\S+\/metrics/)
  return /metrics listening on (http:\/\/\S+\/metrics)/.exec(daemon.stderr())![1]!
}

export const scrape = async (url: string): Promise<Scrape> => {
  const response = await fetch(url)
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status}`)
  const contentType = response.headers.get("content-type") ?? ""
  if (!contentType.startsWith("text/plain; version=0.0.4")) throw new Error(`GET ${url}: content type ${contentType}`)
  return parseExposition(await response.text())
}
