import { MemoryDatabase, memoryLayer, setCreationFailure } from "@fm-rendezvous/adapters-memory"
import { Effect, Layer } from "effect"
import { CreationFaults } from "../support/faults.ts"
import { testKinds } from "../support/kinds.ts"
import type { PortTarget } from "../support/ports.ts"

const faults = Layer.effect(
  CreationFaults,
  Effect.map(MemoryDatabase, (db) =>
    CreationFaults.of({
      setFailing: (kind, failing) => setCreationFailure(kind, failing).pipe(Effect.provideService(MemoryDatabase, db))
    }))
)

/** The in-memory adapter as a contract target: a new database each time the layer is built. */
export const memoryTarget: PortTarget = {
  name: "memory",
  layer: faults.pipe(Layer.provideMerge(memoryLayer(testKinds)))
}
