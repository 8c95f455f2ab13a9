import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServer, HttpServerResponse } from "effect/http"
import { PrometheusMetrics } from "effect/observability"
import { cannotListen, type ListenAddress } from "./listenAddress.ts"

/**
 * SPEC 9: `GET /metrics` in the Prometheus text format, from effect's own metric registry, by
 * effect/observability's PrometheusMetrics (no hand-written exposition). `fm serve` mounts the
 * same `PrometheusMetrics.layerHttp` on its own router, so both serve the metrics of
 * `@fm-rendezvous/domain`'s observability module.
 */
export const metricsRoute = PrometheusMetrics.layerHttp({ path: "/metrics" })

/** `GET /healthz` as `fm serve` answers it: the process is up (a liveness probe for the daemon). */
const healthzRoute = HttpRouter.add("GET", "/healthz", HttpServerResponse.jsonUnsafe({ status: "ok" }))

/**
 * The daemon's own listener (`fm run --metrics-listen`): `/metrics` and `/healthz`; logs where it listens.
 * An address it cannot listen on (in use, not this host's) is a refusal in one sentence.
 */
export const metricsListener = (address: ListenAddress) =>
  Layer.mergeAll(
    HttpRouter.serve(Layer.merge(metricsRoute, healthzRoute), { disableLogger: true, disableListenLog: true }),
    Layer.effectDiscard(HttpServer.addressFormattedWith((url) => Effect.logInfo(`metrics listening on ${url}/metrics`)))
  ).pipe(
    Layer.provide(NodeHttpServer.layer(createServer, { host: address.host, port: address.port })),
    Layer.catchTag("ServeError", (e) => Layer.effectDiscard(Effect.fail(cannotListen("metrics", address)(e))))
  )
