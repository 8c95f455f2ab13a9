/**
 * The test kit: machinery the tests and the bench share and the product does not ship. Nothing
 * under packages/{domain,adapters-*,app}/src imports it (test/architecture.test.ts).
 */
export { type PrivateCluster, startPrivateCluster, TEST_FLAGS } from "./cluster.ts"
export { CreationFaults, withCreationFaults } from "./faults.ts"
export { killBeforeStatement, MigrationKilled, type StatementCounter } from "./migrationFaults.ts"
export { type HaCluster, type HaMember, startHaCluster } from "./ha.ts"
