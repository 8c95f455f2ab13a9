import { Effect } from "effect"
import { Command } from "effect/cli"

export const simulateCommand = Command.make("simulate", {}, () => Effect.void)
