import { spawn, spawnSync } from "node:child_process"
import { Effect, Exit, Scope } from "effect"
import { afterAll, beforeAll } from "vitest"
import { freshDatabaseUrl } from "../support/postgres.ts"
import { fmArgs } from "../support/fmBin.ts"

export interface FmResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  /** stdout parsed as the one JSON document it must be. */
  readonly json: () => any
}

/** The environment without anything that would pick a database or an actor behind a test's back. */
const cleanEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env }
  for (const key of ["DATABASE_URL", "FM_ACTOR", "FM_ROLE", "FM_EXECUTOR"]) delete env[key]
  return env
}

export const runFm = (
  args: ReadonlyArray<string>,
  options: { readonly env?: Record<string, string>; readonly input?: string; readonly cwd?: string } = {}
): FmResult => {
  const result = spawnSync(process.execPath, fmArgs(args), {
    env: { ...cleanEnv(), ...options.env },
    input: options.input ?? "",
    cwd: options.cwd,
    encoding: "utf8",
    timeout: 120_000
  })
  return {
    code: result.status ?? -1,
    stdout: result.stdout,
    stderr: result.stderr,
    json: () => JSON.parse(result.stdout)
  }
}

/** Starts `fm` without waiting (the daemon); the caller stops it. */
export const spawnFm = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  spawn(process.execPath, fmArgs(args), { env: { ...cleanEnv(), ...env }, stdio: ["ignore", "pipe", "pipe"] })

/**
 * A fresh database for the test file: created on the test server (DATABASE_URL, or the embedded
 * one the global setup started) before the tests, dropped after them.
 */
export const useFreshDatabase = (): (() => string) => {
  let url = ""
  let scope: Scope.Closeable | undefined
  beforeAll(async () => {
    scope = await Effect.runPromise(Scope.make())
    url = await Effect.runPromise(Scope.provide(freshDatabaseUrl, scope))
  })
  afterAll(async () => {
    if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
  })
  return () => url
}
