import { type PrivateCluster, startPrivateCluster, TEST_FLAGS } from "@fm-rendezvous/testkit/cluster"

/**
 * A private embedded PostgreSQL 18 for tests: the one the global setup runs when DATABASE_URL is
 * not set, and the one a fault test stops and starts under a running daemon (it must never
 * restart a shared server). The cluster itself is the test kit's (packages/testkit/src/cluster.ts).
 */
export type EmbeddedServer = PrivateCluster

/** `flags`: server settings (default: durability off, for tests). */
export const startEmbeddedServer = (name = "cluster", flags: ReadonlyArray<string> = TEST_FLAGS): Promise<EmbeddedServer> =>
  startPrivateCluster(name, flags)
