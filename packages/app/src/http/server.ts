import { createServer, type Server } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { Authorization, Kinds, type KindRegistry } from "@fm-rendezvous/domain"
import { Cause, Config, Duration, Effect, Layer, Option, Redacted, Semaphore } from "effect"
import { HttpRouter, HttpServer, HttpServerRequest } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import type { Stores } from "../database/stores.ts"
import { authenticate } from "../tokens.ts"
import { Authenticated, Caller, Forbidden, InternalError, kindPath, makeApi, type Refusal, Unauthorized, Unavailable } from "./api.ts"
import { consoleRoutes } from "./console.ts"
import { handlersLayer, refusalOf } from "./handlers.ts"
import { statusHistoryLayer } from "./history.ts"
import { aroundRequest, RequestActor } from "./requests.ts"

/**
 * `fm serve` (SPEC 8.1): the API of api.ts over Node's HTTP server, on the stores the command
 * line uses. Loaded only by the serve command (a dynamic import), so other commands do not pay
 * for the HTTP modules.
 */
export interface ServeOptions {
  readonly host: string
  readonly port: number
}

export const ServerSettings = Config.all({
  maxBodyBytes: Config.Int("FM_MAX_BODY_BYTES").pipe(Config.withDefault(8 * 1024 * 1024)),
  requestTimeout: Config.Duration("FM_REQUEST_TIMEOUT").pipe(Config.withDefault(Duration.seconds(30))),
  handlingTimeout: Config.Duration("FM_HANDLING_TIMEOUT").pipe(Config.withDefault(Duration.seconds(30))),
  shutdownTimeout: Config.Duration("FM_SHUTDOWN_TIMEOUT").pipe(Config.withDefault(Duration.seconds(20))),
  tokenLookups: Config.Int("FM_TOKEN_LOOKUPS").pipe(Config.withDefault(4))
})

/** How long a token check waits for one of the FM_TOKEN_LOOKUPS slots before the answer is 503. */
const LOOKUP_QUEUE = Duration.seconds(1)

const lookupsBusy = new Unavailable({
  error: "Unavailable",
  message: "The server is checking too many tokens at once (FM_TOKEN_LOOKUPS); try again shortly."
})

/** The refusals the middleware may answer with (api.ts declares the same three). */
const authenticationRefusal = (refusal: Refusal) =>
  refusal instanceof Unavailable || refusal instanceof InternalError
    ? Effect.fail(refusal)
    : Effect.fail(new InternalError({ error: "Unexpected", message: "The server could not do it; its log says why." }))

const unauthorized = new Unauthorized({ error: "Unauthorized", message: "A valid bearer token is needed (Authorization: Bearer <token>)." })

/** Bearer tokens to the caller (SPEC 8.2): every invalid token gets the same 401. */
/**
 * What a change route does, in the words the use case's own check uses, so a viewer's write is
 * refused with the same sentence before its body is read (issue 22.5); undefined for reads.
 */
const changeOf = (method: string, url: string, registry: KindRegistry): string | undefined => {
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return undefined
  const parts = url.split("?")[0]!.replace(/\/+$/, "").split("/")
  if (parts[1] !== "v1") return undefined
  if (parts[2] === "sitreps" && parts.length === 3 && method === "POST") return "publishing a sitrep"
  if (parts[2] === "sitreps" && parts[3] === "prune" && parts.length === 4 && method === "POST") return "pruning sitrep history"
  const kind = registry.all.find((k) => kindPath(k) === parts[2])
  if (kind === undefined || parts.length !== 4) return undefined
  const id = decodeURIComponent(parts[3]!)
  return method === "DELETE" ? `deleting ${kind.singular} ${id}` : method === "PUT" ? `commenting on ${kind.singular} ${id}` : undefined
}

const authenticatedLayer = (registry: KindRegistry, tokenLookups: number) => Layer.effect(
  Authenticated,
  Effect.gen(function*() {
    const context = yield* Effect.context<Stores>()
    // At most `tokenLookups` token checks at a time (issue 22.4): a stream of well-formed fake
    // tokens costs a database lookup each, and must not take every connection of the pool. The
    // excess waits LOOKUP_QUEUE for a slot, then is answered 503.
    const lookups = yield* Semaphore.make(Math.max(1, tokenLookups))
    const bounded = <A, E, R>(lookup: Effect.Effect<A, E, R>) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(restore(Effect.timeoutOption(lookups.take(1), LOOKUP_QUEUE)), (slot): Effect.Effect<A, E | Unavailable, R> =>
          Option.isNone(slot) ? Effect.fail(lookupsBusy) : restore(lookup).pipe(Effect.ensuring(lookups.release(1)))))
    return Authenticated.of({
      bearer: (httpEffect, { credential }) =>
        Effect.gen(function*() {
          // A database failure here is not a bad token: it is the refusal its verdict says (a 503
          // while the database is away), never a 401 and never a defect.
          const actor = yield* authenticate(Redacted.value(credential)).pipe(
            Effect.provideContext(context),
            Effect.catchCause((cause) =>
              Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause as Cause.Cause<never>) : Effect.flatMap(refusalOf(cause), authenticationRefusal)),
            bounded
          )
          if (Option.isNone(actor)) return yield* unauthorized
          const log = yield* Effect.serviceOption(RequestActor)
          if (Option.isSome(log)) log.value.name = actor.value.name
          const request = yield* HttpServerRequest.HttpServerRequest
          const change = changeOf(request.method, request.url, registry)
          if (change !== undefined && actor.value.role !== "admin") {
            // Decided before the body is read: a viewer's write is a 403, whatever it carries.
            yield* Effect.provideContext(Effect.flatMap(Authorization, (a) => a.requireAdmin(actor.value, change)), context).pipe(
              Effect.catch((e) => Effect.flatMap(refusalOf(Cause.fail(e)), (r) => Effect.fail(new Forbidden({ error: r.error, message: r.message }))))
            )
          }
          return yield* Effect.provideService(httpEffect, Caller, actor.value)
        })
    })
  })
)

/** Every route of the registry's API, the console (console.ts), the status history's sampler and the request middleware, over the stores. */
export const appLayer = (registry: KindRegistry, maxBodyBytes: number, deadline: Duration.Duration, tokenLookups = 4) => {
  const api = makeApi(registry.all)
  const routes = HttpApiBuilder.layer(api).pipe(
    Layer.provide(handlersLayer(api, registry)),
    Layer.provide(authenticatedLayer(registry, tokenLookups)),
    Layer.provide(statusHistoryLayer)
  )
  const around = HttpRouter.middleware(aroundRequest({ maxBodyBytes, kindPaths: new Set(registry.all.map(kindPath)), deadline }), { global: true })
  return Layer.mergeAll(routes, consoleRoutes, around)
}

/** Node's HTTP server with the request and header timeouts of the settings (not yet listening). */
export const nodeServer = Effect.map(ServerSettings, (settings) => {
  const timeout = Duration.toMillis(settings.requestTimeout)
  return createServer({ requestTimeout: timeout, headersTimeout: Math.min(timeout, 10_000), connectionsCheckingInterval: 1000 })
})

/**
 * The server as a layer over the stores; it runs until its scope closes (SIGTERM, SIGINT). `server`
 * is the Node server to serve on (one already listening, handed over by http/waiting.ts).
 */
export const serverLayer = (options: ServeOptions, server: () => Server) =>
  Layer.unwrap(Effect.gen(function*() {
    const settings = yield* ServerSettings
    const registry = yield* Kinds
    const served = HttpRouter.serve(appLayer(registry, settings.maxBodyBytes, settings.handlingTimeout, settings.tokenLookups), { disableLogger: true, disableListenLog: true })
    // Scripts and tests read the bound address from this line (useful with port 0). Its release
    // runs first when the server stops (SIGTERM, SIGINT), before the graceful shutdown.
    const announce = Layer.effectDiscard(Effect.flatMap(HttpServer.HttpServer, (server) =>
      Effect.acquireRelease(
        Effect.sync(() => {
          const a = server.address
          const host = options.host.includes(":") ? `[${options.host}]` : options.host
          process.stderr.write(`fm serve: listening on ${a._tag === "UnixPathAddress" ? a.path : `http://${host}:${a.port}`}\n`)
        }),
        () =>
          Effect.sync(() =>
            process.stderr.write(
              `fm serve: stopping: no new requests; those in flight have up to ${Duration.format(settings.shutdownTimeout)} (FM_SHUTDOWN_TIMEOUT)\n`
            )
          )
      )))
    return Layer.mergeAll(served, announce).pipe(
      Layer.provide(NodeHttpServer.layer(
        server,
        { host: options.host, port: options.port, gracefulShutdownTimeout: settings.shutdownTimeout }
      ))
    )
  }))
