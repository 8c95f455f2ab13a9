import { resolve } from "node:path"

/**
 * The `fm` program as the tests run it: its TypeScript entry point with the workspace's
 * "@fm-rendezvous/source" export condition, so a spawned `fm` runs the current sources of every
 * package, never a stale dist/ (the built bin is tested by test/consumer). process.execPath is
 * Node 24 under npx vitest.
 */
export const FM_BIN = resolve(import.meta.dirname, "../../packages/app/src/bin/fm.ts")

/** Node's arguments for running `fm` with `args`. */
export const fmArgs = (args: ReadonlyArray<string>): Array<string> => ["--conditions=@fm-rendezvous/source", FM_BIN, ...args]
