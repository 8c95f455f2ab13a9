/**
 * An executor in a process of its own, for its memory (issue 19): start, load the current sitrep
 * through the daemon's own loader (`makeSitrepLoader`), run the first activation as the daemon
 * runs it (creating every request), and print what it held and its peak resident set as JSON on
 * stdout. Usage: node --expose-gc bench/executor-child.ts DATABASE_URL
 */
import { ActivationMode, alertKind, SitrepStore } from "@fm-rendezvous/domain"
import { activateUninterruptibly } from "@fm-rendezvous/app/daemon/activation"
import { makeSitrepLoader } from "@fm-rendezvous/app/daemon/loader"
import { Effect, Option } from "effect"
import { openDatabase } from "./support/server.ts"

const url = process.argv[2]
if (url === undefined) throw new Error("usage: node bench/executor-child.ts DATABASE_URL")
/** The live heap after a full collection (the parent runs this process with --expose-gc). */
const liveHeap = () => {
  ;(globalThis as { gc?: () => void }).gc?.()
  return process.memoryUsage().heapUsed
}
const rssAtStartKiB = process.memoryUsage().rss / 1024
const db = openDatabase(url)
// The pool and the runtime exist before the baseline, so the held figure is the sitrep alone.
await db.run(Effect.flatMap(SitrepStore, (s) => s.currentHeader))
const heapBefore = liveHeap()
const loader = await db.run(makeSitrepLoader())
const t0 = performance.now()
if (!(await db.run(loader.refresh))) throw new Error("the loader loaded nothing")
const loadMs = performance.now() - t0
const held = Option.getOrThrow(await db.run(loader.held))
const heldBytes = liveHeap() - heapBefore
const rssAfterLoadKiB = process.memoryUsage().rss / 1024
const t1 = performance.now()
const report = await db.run(activateUninterruptibly("bench-executor-memory", held, { batchSize: 500, sweepPageSize: 1000 }, ActivationMode.Routine()))
const activationMs = performance.now() - t1
// Still held after the activation (the loader's reference keeps it): what a running daemon keeps.
const heldAfterBytes = liveHeap() - heapBefore
await db.dispose()
process.stdout.write(JSON.stringify({
  peakRssKiB: process.resourceUsage().maxRSS,
  rssAtStartKiB,
  rssAfterLoadKiB,
  heldBytes,
  heldAfterBytes,
  loadMs,
  activationMs,
  created: report.kinds[alertKind.name]?.created ?? 0,
  version: (await Promise.resolve(held)).version
}))
