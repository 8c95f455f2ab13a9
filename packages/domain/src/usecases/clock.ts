import { Clock, Effect } from "effect"

/** The current time from effect's Clock service (a port: tests drive it with TestClock). */
export const now: Effect.Effect<Date> = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))
