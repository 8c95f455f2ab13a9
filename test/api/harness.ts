import { type ChildProcess, execFile } from "node:child_process"
import { afterAll, beforeAll } from "vitest"
import { runFm, spawnFm, useFreshDatabase } from "../cli/harness.ts"
import { fmArgs } from "../support/fmBin.ts"

/**
 * A real `fm serve` process on loopback (port 0: the server names its port on stderr), on a fresh
 * database of the test file's own, with an admin and a viewer token issued through `fm token`.
 */
export interface Served {
  readonly base: string
  readonly url: string
  readonly process: ChildProcess
  /** Everything the server wrote on stderr so far (the request log). */
  readonly log: () => string
  /** SIGTERM; resolves with the exit code. */
  readonly stop: () => Promise<number | null>
}

export const startServer = (url: string, env: Record<string, string> = {}): Promise<Served> =>
  new Promise((resolve, reject) => {
    const child = spawnFm(["serve", "--listen", "127.0.0.1:0", "--database-url", url], env)
    let stderr = ""
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)))
    const timer = setTimeout(() => reject(new Error(`fm serve did not start: ${stderr}`)), 60_000)
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8")
      const m = /listening on (http:\/\/\S+)/.exec(stderr)
      if (m !== null) {
        clearTimeout(timer)
        resolve({
          base: m[1]!,
          url,
          process: child,
          log: () => stderr,
          stop: () => {
            child.kill("SIGTERM")
            return exited
          }
        })
      }
    })
    child.once("exit", (code) => reject(new Error(`fm serve exited with ${code}: ${stderr}`)))
  })

export const issueToken = (url: string, name: string, role: "admin" | "viewer", extra: ReadonlyArray<string> = []): string => {
  const result = runFm(["token", "create", name, "--role", role, "--json", "--database-url", url, ...extra])
  if (result.code !== 0) throw new Error(`fm token create failed: ${result.stderr}`)
  return result.json().token as string
}

export interface ApiWorld {
  readonly server: () => Served
  readonly url: () => string
  readonly admin: () => string
  readonly viewer: () => string
}

/** One migrated database, one server and two tokens for the test file. */
export const useServer = (env: Record<string, string> = {}): ApiWorld => {
  const url = useFreshDatabase()
  let served: Served | undefined
  let admin = ""
  let viewer = ""
  beforeAll(async () => {
    const migrated = runFm(["db", "migrate", "--database-url", url()])
    if (migrated.code !== 0) throw new Error(migrated.stderr)
    admin = issueToken(url(), "alice", "admin")
    viewer = issueToken(url(), "victor", "viewer")
    served = await startServer(url(), env)
  })
  afterAll(async () => {
    await served?.stop()
    if (process.env["FM_API_DEBUG"]) console.log(served?.log())
  })
  return { server: () => served!, url, admin: () => admin, viewer: () => viewer }
}

export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: () => any
}

export const call = async (
  base: string,
  method: string,
  path: string,
  options: { readonly token?: string; readonly body?: unknown; readonly headers?: Record<string, string> } = {}
): Promise<Answer> => {
  const headers: Record<string, string> = { ...options.headers }
  if (options.token !== undefined) headers["authorization"] = `Bearer ${options.token}`
  let body: string | Uint8Array | undefined
  if (options.body !== undefined) {
    // Text and bytes are sent as they are (bytes that are not UTF-8 too); anything else as JSON.
    body = typeof options.body === "string" || options.body instanceof Uint8Array ? options.body : JSON.stringify(options.body)
    headers["content-type"] ??= "application/json"
  }
  const response = await fetch(`${base}${path}`, { method, headers, body })
  const text = await response.text()
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) }
}

/**
 * `fm` run without blocking the test's event loop (runFm's spawnSync would stall the HTTP client's
 * keep-alive bookkeeping, so it reuses connections the server has closed meanwhile).
 */
export const fmAsync = (args: ReadonlyArray<string>, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string; json: () => any }> =>
  new Promise((resolve) => {
    const clean = { ...process.env }
    for (const key of ["DATABASE_URL", "FM_ACTOR", "FM_ROLE", "FM_EXECUTOR", "FM_SERVER", "FM_TOKEN"]) delete clean[key]
    execFile(process.execPath, fmArgs(args), { env: { ...clean, ...env }, encoding: "utf8", timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === "number" ? (error as { code: number }).code : -1
      resolve({ code, stdout, stderr, json: () => JSON.parse(stdout) })
    })
  })
