import type { Server, ServerResponse } from "node:http"
import { Effect } from "effect"
import { type DatabaseCondition, MIGRATE_SENTENCE } from "../database/waitForDatabase.ts"
import type { ListenAddress } from "../observability/listenAddress.ts"

const WAITING_SENTENCE = "The database cannot be reached yet; fm serve is waiting for it (retry later)."

const answer = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json", "retry-after": "1", "cache-control": "no-store" })
  res.end(JSON.stringify(body))
}

/**
 * `fm serve` before its database answers (SPEC 8.5): the address is taken at once and answered
 * while the start-up waits. /healthz says the process is up, /readyz and every other route answer
 * 503 with Retry-After and why (naming `fm db migrate` when the schema is missing). When the
 * database is ready the same Node server is handed to the API (`handOver`), so no connection is
 * refused in between and a port 0 stays the port it was given.
 */
export const waitingListener = (server: Server, address: ListenAddress) =>
  Effect.gen(function*() {
    let sentence = WAITING_SENTENCE
    const onRequest = (req: { url?: string | undefined; resume: () => void }, res: ServerResponse) => {
      req.resume()
      const path = (req.url ?? "/").split("?")[0]
      if (path === "/healthz") return answer(res, 200, { status: "ok" })
      answer(res, 503, { error: path === "/readyz" ? "NotReady" : "Unavailable", message: sentence })
    }
    server.on("request", onRequest)
    yield* Effect.callback<void, Error>((resume) => {
      const onError = (e: Error) => resume(Effect.fail(e))
      server.once("error", onError)
      server.listen(address.port, address.host, () => {
        server.off("error", onError)
        resume(Effect.void)
      })
    })
    yield* Effect.addFinalizer(() => Effect.sync(() => server.listening && server.close()))
    return {
      condition: (c: DatabaseCondition) =>
        Effect.sync(() => {
          if (c._tag === "Waiting") sentence = c.sentence === MIGRATE_SENTENCE ? c.sentence : WAITING_SENTENCE
        }),
      /**
       * The server, already listening, for NodeHttpServer (which calls `listen` itself): that call
       * only drops the waiting handler and reports the address already bound.
       */
      handOver: (): Server => {
        server.off("request", onRequest)
        const listened = (...args: Array<unknown>) => {
          const done = args.find((a) => typeof a === "function") as (() => void) | undefined
          if (done !== undefined) process.nextTick(done)
          return server
        }
        return Object.assign(server, { listen: listened })
      }
    }
  })
