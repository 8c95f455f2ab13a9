import { memoryLayer } from "@fm-rendezvous/adapters-memory"
import { withCreationFaults } from "@fm-rendezvous/testkit/faults"
import { testKinds } from "../support/kinds.ts"
import type { PortTarget } from "../support/ports.ts"

/** The in-memory adapter as a contract target: a new database each time the layer is built. */
export const memoryTarget: PortTarget = {
  name: "memory",
  layer: withCreationFaults(memoryLayer(testKinds))
}
