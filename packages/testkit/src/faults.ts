import { ResourceStore, StoreError } from "@fm-rendezvous/domain"
import { Context, Effect, Layer } from "effect"

/**
 * Test control over a persistent creation failure of one kind (SPEC 4: one failing kind must not
 * hold up another). Each adapter's test target provides it: over the memory adapter the resource
 * store is wrapped (`withCreationFaults`); over SQL the kind's table is made to refuse writes.
 */
export class CreationFaults extends Context.Service<CreationFaults, {
  readonly setFailing: (kind: string, failing: boolean) => Effect.Effect<void, unknown>
}>()("fm/test/CreationFaults") {}

/**
 * `layer` with its ResourceStore wrapped so that a kind can be made to fail creation, and the
 * CreationFaults control for it. The guard is still judged first (the wrapped store is asked with
 * no requests), so a stale batch is still reported `StaleSitrep`, as the adapter would; a batch
 * that passes the guard fails with a StoreError and writes nothing. The product adapters carry no
 * fault switch of their own.
 */
export const withCreationFaults = <A, E, R>(layer: Layer.Layer<A | ResourceStore, E, R>) =>
  Layer.effectContext(Effect.gen(function*() {
    const context = yield* Effect.context<A | ResourceStore>()
    const inner = Context.get(context, ResourceStore)
    const failing = new Set<string>()
    const store = ResourceStore.of({
      ...inner,
      createGuarded: (kind, held, requests) =>
        failing.has(kind)
          ? Effect.flatMap(inner.createGuarded(kind, held, []), (judged) =>
            judged._tag === "StaleSitrep"
              ? Effect.succeed(judged)
              : Effect.fail(new StoreError({ message: `creating ${kind} failed: its table refuses writes (injected fault)` })))
          : inner.createGuarded(kind, held, requests)
    })
    const faults = CreationFaults.of({
      setFailing: (kind, on) => Effect.sync(() => void (on ? failing.add(kind) : failing.delete(kind)))
    })
    return context.pipe(Context.add(ResourceStore, store), Context.add(CreationFaults, faults))
  })).pipe(Layer.provide(layer))
