import { Effect } from "effect"
import { makeSitrepLoader, type SitrepLoader } from "../daemon/loader.ts"

/**
 * The simulated executors, each with its own staleness (SPEC 1: an executor may hold an
 * arbitrarily stale sitrep): the first reloads every step, the second every few steps, the third
 * is paused for the middle third of the run and resumes with the sitrep it held before.
 */
export interface SimulatedExecutor {
  readonly name: string
  readonly loader: SitrepLoader
  /** Whether it reloads the current sitrep before activating at this step. */
  readonly reloadsAt: (step: number) => boolean
  readonly pausedAt: (step: number) => boolean
  readonly describe: string
  activations: number
}

export const makeExecutors = (count: number, steps: number) =>
  Effect.forEach(Array.from({ length: count }, (_, i) => i), (i) =>
    Effect.map(makeSitrepLoader(), (loader): SimulatedExecutor => {
      const name = `nexus-${i + 1}`
      if (i === 0) return { name, loader, reloadsAt: () => true, pausedAt: () => false, describe: "reloads every step", activations: 0 }
      if (i === 2) {
        const from = Math.floor(steps / 3)
        const to = Math.floor((2 * steps) / 3)
        return {
          name,
          loader,
          // On resuming it first activates with the sitrep it held when paused.
          reloadsAt: (step) => step !== to && step % 2 === 0,
          pausedAt: (step) => step >= from && step < to,
          describe: `paused for steps ${from} to ${to - 1}, resumes with its old sitrep`,
          activations: 0
        }
      }
      const every = i === 1 ? 4 : i + 2
      return { name, loader, reloadsAt: (step) => step % every === 0, pausedAt: () => false, describe: `reloads every ${every} steps`, activations: 0 }
    }))
