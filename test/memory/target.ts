import { MemoryDatabase, memoryLayer } from "@fm-rendezvous/adapters-memory"
import { withCreationFaults } from "@fm-rendezvous/testkit/faults"
import { Effect, Layer, SynchronizedRef } from "effect"
import { testKinds } from "../support/kinds.ts"
import type { PortTarget } from "../support/ports.ts"
import { UnmarkedRows } from "../support/unmarked.ts"

/** Forgets a marker straight in the memory database (test/support/unmarked.ts). */
const unmarkedRows = Layer.effect(
  UnmarkedRows,
  Effect.map(MemoryDatabase, ({ ref }) =>
    UnmarkedRows.of({
      forgetMarker: (kind, id) => SynchronizedRef.update(ref, (db) => (db.markers.get(kind)?.delete(id), db))
    }))
)

/** The in-memory adapter as a contract target: a new database each time the layer is built. */
export const memoryTarget: PortTarget = {
  name: "memory",
  layer: unmarkedRows.pipe(Layer.provideMerge(withCreationFaults(memoryLayer(testKinds))))
}
