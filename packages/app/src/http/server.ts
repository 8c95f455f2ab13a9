import { createServer, type Server } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { Kinds, type KindRegistry } from "@fm-rendezvous/domain"
import { Cause, Config, Duration, Effect, Layer, Option, Redacted } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import type { Stores } from "../database/stores.ts"
import { authenticate } from "../tokens.ts"
import { Authenticated, Caller, InternalError, kindPath, makeApi, type Refusal, Unauthorized, Unavailable } from "./api.ts"
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
  shutdownTimeout: Config.Duration("FM_SHUTDOWN_TIMEOUT").pipe(Config.withDefault(Duration.seconds(20)))
})

/** The refusals the middleware may answer with (api.ts declares the same three). */
const authenticationRefusal = (refusal: Refusal) =>
  refusal instanceof Unavailable || refusal instanceof InternalError
    ? Effect.fail(refusal)
    : Effect.fail(new InternalError({ error: "Unexpected", message: "The server could not do it; its log says why." }))

const unauthorized = new Unauthorized({ error: "Unauthorized", message: "A valid bearer token is needed (Authorization: Bearer <token>)." })

/** Bearer tokens to the caller (SPEC 8.2): every invalid token gets the same 401. */
const authenticatedLayer = Layer.effect(
  Authenticated,
  Effect.gen(function*() {
    const context = yield* Effect.context<Stores>()
    return Authenticated.of({
      bearer: (httpEffect, { credential }) =>
        Effect.gen(function*() {
          // A database failure here is not a bad token: it is the refusal its verdict says (a 503
          // while the database is away), never a 401 and never a defect.
          const actor = yield* authenticate(Redacted.value(credential)).pipe(
            Effect.provideContext(context),
            Effect.catchCause((cause) =>
              Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause as Cause.Cause<never>) : Effect.flatMap(refusalOf(cause), authenticationRefusal))
          )
          if (Option.isNone(actor)) return yield* unauthorized
          const log = yield* Effect.serviceOption(RequestActor)
          if (Option.isSome(log)) log.value.name = actor.value.name
          return yield* Effect.provideService(httpEffect, Caller, actor.value)
        })
    })
  })
)

/** Every route of the registry's API, the console (console.ts), the status history's sampler and the request middleware, over the stores. */
export const appLayer = (registry: KindRegistry, maxBodyBytes: number) => {
  const api = makeApi(registry.all)
  const routes = HttpApiBuilder.layer(api).pipe(
    Layer.provide(handlersLayer(api, registry)),
    Layer.provide(authenticatedLayer),
    Layer.provide(statusHistoryLayer)
  )
  const around = HttpRouter.middleware(aroundRequest({ maxBodyBytes, kindPaths: new Set(registry.all.map(kindPath)) }), { global: true })
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
    const served = HttpRouter.serve(appLayer(registry, settings.maxBodyBytes), { disableLogger: true, disableListenLog: true })
    // Scripts and tests read the bound address from this line (useful with port 0).
    const announce = Layer.effectDiscard(Effect.flatMap(HttpServer.HttpServer, (server) =>
      Effect.sync(() => {
        const a = server.address
        const host = options.host.includes(":") ? `[${options.host}]` : options.host
        process.stderr.write(`fm serve: listening on ${a._tag === "UnixPathAddress" ? a.path : `http://${host}:${a.port}`}\n`)
      })))
    return Layer.mergeAll(served, announce).pipe(
      Layer.provide(NodeHttpServer.layer(
        server,
        { host: options.host, port: options.port, gracefulShutdownTimeout: settings.shutdownTimeout }
      ))
    )
  }))
