/** Moved to the test kit (packages/testkit/src/faults.ts); re-exported for the suites that import it here. */
export { CreationFaults } from "@fm-rendezvous/testkit/faults"
