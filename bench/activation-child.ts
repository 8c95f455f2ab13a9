/**
 * One executor activation in a process of its own, for its peak resident set (issue 6, item 5):
 * start, load the current sitrep as the executor's loader does, activate it, and print
 * process.resourceUsage().maxRSS (KiB) as JSON on stdout. Usage: node bench/activation-child.ts URL
 */
import { activate, ActivationMode, alertKind, SitrepStore } from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"
import { liveHeap } from "./support/heap.ts"
import { openDatabase } from "./support/server.ts"

const url = process.argv[2]
if (url === undefined) throw new Error("usage: node bench/activation-child.ts DATABASE_URL")
const rssAtStartKiB = process.memoryUsage().rss / 1024
const db = openDatabase(url)
const heapBefore = liveHeap()
const held = await db.run(Effect.gen(function*() {
  return yield* (yield* SitrepStore).current
}))
if (Option.isNone(held)) throw new Error("no current sitrep")
// What holding the sitrep retains, once the rows it was read from are garbage.
const heldBytes = liveHeap() - heapBefore
const rssBeforeKiB = process.memoryUsage().rss / 1024
const t0 = performance.now()
const report = await db.run(activate({
  executor: "bench-memory",
  held: held.value,
  batchSize: 500,
  pageSize: 1000,
  mode: ActivationMode.Routine()
}))
const activationMs = performance.now() - t0
await db.dispose()
process.stdout.write(JSON.stringify({
  peakRssKiB: process.resourceUsage().maxRSS,
  rssAtStartKiB,
  rssBeforeKiB,
  heldBytes,
  activationMs,
  created: report.kinds[alertKind.name]?.created ?? 0
}))
