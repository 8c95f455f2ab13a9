import { type PrivateCluster, startPrivateCluster } from "@fm-rendezvous/app/database/privateCluster"

/**
 * A private embedded PostgreSQL 18 for tests: the one the global setup runs when DATABASE_URL is
 * not set, and the one a fault test stops and starts under a running daemon (it must never
 * restart a shared server). Started the same way as the app's embedded database, so it works
 * wherever the checkout is, root or not.
 */
export type EmbeddedServer = PrivateCluster

const TEST_FLAGS = ["-c", "max_connections=200", "-c", "fsync=off", "-c", "synchronous_commit=off"]

/** `flags`: server settings (default: durability off, for tests; the bench keeps synchronous_commit). */
export const startEmbeddedServer = (name = "cluster", flags: ReadonlyArray<string> = TEST_FLAGS): Promise<EmbeddedServer> =>
  startPrivateCluster(name, flags)
