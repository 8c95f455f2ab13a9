import type { ExecutorProcess } from "@fm-rendezvous/domain"

/**
 * Issue 25, item 7: the process behind an executor name, as `fm status` and `GET /v1/status`
 * show it, judged from its lease by the database's clock when status was read.
 *  - `running`: the lease is live (renewed every third of FM_EXECUTOR_LEASE);
 *  - `stopped`: the process released it as it stopped;
 *  - `expired`: it stopped renewing without releasing (killed, or cut off from the database).
 */
type ProcessState = "running" | "stopped" | "expired"

const processState = (p: ExecutorProcess): ProcessState => (p.live ? "running" : p.releasedAt !== null ? "stopped" : "expired")

export const processToJson = (p: ExecutorProcess) => ({
  host: p.host,
  pid: p.pid,
  instance: p.instance,
  state: processState(p),
  live: p.live,
  startedAt: p.startedAt.toISOString(),
  renewedAt: p.renewedAt.toISOString(),
  expiresAt: p.expiresAt.toISOString(),
  releasedAt: p.releasedAt === null ? null : p.releasedAt.toISOString()
})

export type ProcessJson = ReturnType<typeof processToJson>

/** The JSON form read back (the remote `fm status`). */
export const processFromJson = (executor: string, j: ProcessJson): ExecutorProcess => ({
  executor,
  host: j.host,
  pid: j.pid,
  instance: j.instance,
  startedAt: new Date(j.startedAt),
  renewedAt: new Date(j.renewedAt),
  expiresAt: new Date(j.expiresAt),
  releasedAt: j.releasedAt === null ? null : new Date(j.releasedAt),
  live: j.live
})

/** One line for the text status: which process, and whether it runs. */
export const renderProcess = (p: ExecutorProcess | undefined): string => {
  if (p === undefined) return "process: none recorded (no process has held this name since leases were introduced, or it was forgotten)"
  const who = `pid ${p.pid} on ${p.host}`
  switch (processState(p)) {
    case "running":
      return `process: ${who}, running since ${p.startedAt.toISOString()} (lease renewed ${p.renewedAt.toISOString()}, until ${p.expiresAt.toISOString()})`
    case "stopped":
      return `process: ${who}, stopped at ${p.releasedAt!.toISOString()} (ran since ${p.startedAt.toISOString()})`
    case "expired":
      return `process: ${who}, not running: its lease expired at ${p.expiresAt.toISOString()} without a stop (killed, or cut off from the database)`
  }
}
