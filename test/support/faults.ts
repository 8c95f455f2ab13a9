import { Context, type Effect } from "effect"

/**
 * Test control over a persistent creation failure of one kind (SPEC 4: one failing kind must not
 * hold up another). Each adapter's test target provides it: the memory adapter flips a flag, the
 * SQL adapter makes the kind's table refuse writes.
 */
export class CreationFaults extends Context.Service<CreationFaults, {
  readonly setFailing: (kind: string, failing: boolean) => Effect.Effect<void, unknown>
}>()("fm/test/CreationFaults") {}
