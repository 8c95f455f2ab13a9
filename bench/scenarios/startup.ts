import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { progress, type Summary, summarize } from "../support/stats.ts"
import { createDatabase, type Server } from "../support/server.ts"

/**
 * Start-up of `fm` (issue 14): wall time of whole processes, from spawn to exit, for `fm --version`
 * and `fm status` (on a migrated database of the bench's server) against a script that only
 * imports `effect` and exits; each directly with Node and through `npx`. Every round runs every
 * command once, so each ratio is paired within a round, then summarised over the rounds.
 */
const ROOT = fileURLToPath(new URL("../..", import.meta.url))
const FM = fileURLToPath(new URL("../../packages/app/bin/fm.js", import.meta.url))
const BASELINE = fileURLToPath(new URL("../support/import-effect.mjs", import.meta.url))

interface Command {
  readonly name: string
  readonly file: string
  readonly args: ReadonlyArray<string>
}

const timed = (via: "node" | "npx", command: Command): number => {
  const [file, args] = via === "node"
    ? [process.execPath, [command.file, ...command.args]]
    : ["npx", command.file === BASELINE ? ["--no-install", "node", BASELINE] : ["--no-install", "fm", ...command.args]]
  const t0 = performance.now()
  const result = spawnSync(file, args, { cwd: ROOT, encoding: "utf8", env: { ...process.env, DATABASE_URL: "" } })
  const ms = performance.now() - t0
  if (result.status !== 0) throw new Error(`${file} ${args.join(" ")} exited with ${result.status}: ${result.stderr}`)
  return ms
}

export interface StartupFigures {
  readonly rounds: number
  /** Wall ms per command, keyed "node effect", "npx fm status", ... */
  readonly ms: Record<string, Summary>
  /** Paired ratios to the baseline of the same route: fm through npx against `npx node` of the baseline. */
  readonly ratio: Record<string, Summary>
}

export const startupScenario = async (server: Server, rounds: number): Promise<StartupFigures> => {
  const db = await createDatabase(server, "startup")
  try {
    const commands: ReadonlyArray<Command> = [
      { name: "effect", file: BASELINE, args: [] },
      { name: "fm --version", file: FM, args: ["--version"] },
      { name: "fm status", file: FM, args: ["status", "--database-url", db.url] }
    ]
    const samples: Record<string, Array<number>> = {}
    const ratios: Record<string, Array<number>> = {}
    const push = (into: Record<string, Array<number>>, key: string, value: number) => (into[key] ??= []).push(value)
    progress(`start-up: ${rounds} rounds of ${commands.map((c) => c.name).join(", ")}, with node and npx`)
    for (let round = -1; round < rounds; round++) {
      for (const via of ["node", "npx"] as const) {
        // Rotate the order each round so no command always runs right after another.
        const order = commands.map((_, i) => commands[(i + Math.max(round, 0)) % commands.length]!)
        const ms: Record<string, number> = {}
        for (const c of order) ms[c.name] = timed(via, c)
        if (round < 0) continue // a warm-up round: the page cache, npm's own first run
        for (const c of commands) push(samples, `${via} ${c.name}`, ms[c.name]!)
        for (const c of commands.slice(1)) push(ratios, `${via} ${c.name}`, ms[c.name]! / ms["effect"]!)
      }
    }
    const map = (r: Record<string, Array<number>>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, summarize(v)]))
    return { rounds, ms: map(samples), ratio: map(ratios) }
  } finally {
    await db.close()
  }
}
