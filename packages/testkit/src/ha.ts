import { execFile } from "node:child_process"
import { readFile } from "node:fs/promises"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

/**
 * A replicated PostgreSQL for tests: deploy/ha/up.sh (one etcd, three PostgreSQL 15 nodes under
 * Patroni, HAProxy routing to the primary) on a free block of loopback ports, and the faults a
 * failover test injects: SIGKILL of the primary's postmaster, a planned switchover, synchronous
 * replication switched off. The scripts are what an operator runs by hand; this is their Promise
 * surface, reading the cluster's state from Patroni's REST API.
 */
export interface HaMember {
  readonly name: string
  readonly role: string
  readonly state: string
  readonly lag?: number | string
}

export interface HaCluster {
  /** The primary, through HAProxy: what every `fm` process is given. */
  readonly url: string
  readonly dir: string
  readonly members: () => Promise<ReadonlyArray<HaMember>>
  readonly leader: () => Promise<string | undefined>
  /** SIGKILL of the primary's postmaster (Patroni promotes a synchronous standby); its name. */
  readonly killPrimary: () => Promise<string>
  /** A planned switchover away from the current primary; its name. */
  readonly switchover: () => Promise<string>
  /** `synchronous_mode` (and `_strict`) on or off, through Patroni's dynamic configuration. */
  readonly setSynchronous: (on: boolean) => Promise<void>
  /** Until three members run, one leads, and (synchronous mode) one is a synchronous standby. */
  readonly healthy: (synchronous: boolean, ms?: number) => Promise<void>
  readonly down: () => Promise<void>
}

const SCRIPTS = resolve(import.meta.dirname, "../../../deploy/ha")
const PORTS = [0, 1, 11, 12, 13, 21, 22, 23, 30]

const run = (file: string, args: ReadonlyArray<string>, env: Record<string, string> = {}): Promise<string> =>
  new Promise((done, fail) =>
    execFile(file, args, { env: { ...process.env, ...env }, timeout: 180_000 }, (error, stdout, stderr) =>
      error === null ? done(stdout) : fail(new Error(`${file} failed: ${error.message}\n${stderr}`))))

const portFree = (port: number): Promise<boolean> =>
  new Promise((done) => {
    const server = createServer()
    server.once("error", () => done(false))
    server.listen(port, "127.0.0.1", () => server.close(() => done(true)))
  })

/** A base port whose block (base .. base+30) is free on loopback now. */
const freeBase = async (): Promise<number> => {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + 40 * Math.floor(Math.random() * 700)
    if ((await Promise.all(PORTS.map((p) => portFree(base + p)))).every(Boolean)) return base
  }
  throw new Error("no free block of loopback ports for the cluster")
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export const startHaCluster = async (options: { readonly synchronous?: boolean } = {}): Promise<HaCluster> => {
  const base = await freeBase()
  const dir = join(tmpdir(), `fm-ha-${process.pid}-${base}`)
  const synchronous = options.synchronous ?? true
  const out = await run(join(SCRIPTS, "up.sh"), [dir, String(base)], { FM_HA_SYNCHRONOUS: String(synchronous) })
  const url = /primary=(\S+)/.exec(out)?.[1]
  if (url === undefined) throw new Error(`up.sh printed no primary: ${out}`)
  const rest = (i: number) => `http://127.0.0.1:${base + 20 + i}`
  const names = ["pg1", "pg2", "pg3"]

  /** Patroni's /cluster from the first node that answers. */
  const members = async (): Promise<ReadonlyArray<HaMember>> => {
    for (const i of [1, 2, 3]) {
      try {
        const answer = await fetch(`${rest(i)}/cluster`, { signal: AbortSignal.timeout(1000) })
        if (answer.ok) return ((await answer.json()) as { members: Array<HaMember> }).members
      } catch {
        // that node's REST API is down (or it is the killed one): ask the next
      }
    }
    return []
  }
  const leader = async () => (await members()).find((m) => m.role === "leader")?.name
  const leaderNow = async () => {
    const name = await leader()
    if (name === undefined) throw new Error("the cluster has no leader")
    return name
  }

  const cluster: HaCluster = {
    url,
    dir,
    members,
    leader,
    killPrimary: async () => {
      const name = await leaderNow()
      const pid = Number((await readFile(join(dir, name, "postmaster.pid"), "utf8")).split("\n")[0])
      process.kill(pid, "SIGKILL")
      return name
    },
    switchover: async () => {
      const name = await leaderNow()
      const answer = await fetch(`${rest(names.indexOf(name) + 1)}/switchover`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ leader: name })
      })
      if (!answer.ok) throw new Error(`switchover refused: ${answer.status} ${await answer.text()}`)
      return name
    },
    setSynchronous: async (on) => {
      const answer = await fetch(`${rest(1)}/config`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ synchronous_mode: on, synchronous_mode_strict: on })
      })
      if (!answer.ok) throw new Error(`config change refused: ${answer.status} ${await answer.text()}`)
    },
    healthy: async (sync, ms = 60_000) => {
      const deadline = Date.now() + ms
      let last: ReadonlyArray<HaMember> = []
      while (Date.now() < deadline) {
        last = await members()
        const running = last.filter((m) => m.state === "running" || m.state === "streaming")
        const ok = running.length === 3 && last.filter((m) => m.role === "leader").length === 1 &&
          (sync ? last.some((m) => m.role === "sync_standby") : !last.some((m) => m.role === "sync_standby"))
        if (ok) return
        await sleep(200)
      }
      throw new Error(`the cluster did not become healthy: ${JSON.stringify(last)}`)
    },
    down: () => run(join(SCRIPTS, "down.sh"), [dir]).then(() => {})
  }
  // up.sh returns once HAProxy reaches a primary; Patroni's own view (roles) settles a moment later.
  await cluster.healthy(synchronous).catch(async (e) => {
    await cluster.down()
    throw e
  })
  return cluster
}
