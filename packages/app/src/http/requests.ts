import { describeSchemaError } from "@fm-rendezvous/domain"
import { ByteSize, Cause, Context, Duration, Effect, Exit, Fiber, Metric, Option, Schema } from "effect"
import { HttpIncomingMessage, HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiError } from "effect/http-api"
import { jsonSyntaxError } from "../shared/jsonSyntax.ts"
import { toJsonText } from "../shared/jsonText.ts"
import { statusOf } from "./api.ts"
import { refusalOf } from "./handlers.ts"

/**
 * What every request goes through before and after the API (SPEC 8.1, 8.4): the body limits and
 * media type, the one logfmt line, the HTTP metrics, and refusals in the SPEC 8.4 shape for what
 * the API itself answers without a body (undecodable input, unknown routes, dropped bodies).
 */
export class RequestActor extends Context.Service<RequestActor, { name: string }>()("fm/http/RequestActor") {}

const requestsTotal = Metric.counter("fm_http_requests_total", { description: "HTTP requests answered, by route, method and status." })
const requestSeconds = Metric.histogram("fm_http_request_duration_seconds", {
  description: "Time to answer an HTTP request, by route.",
  boundaries: Metric.exponentialBoundaries({ start: 0.0005, factor: 2, count: 16 })
})

export const refusalResponse = (status: number, error: string, message: string, headers: Record<string, string> = {}) =>
  HttpServerResponse.text(toJsonText({ error, message }), {
    status,
    contentType: "application/json",
    headers: status === 401 ? { ...headers, "www-authenticate": "Bearer" } : headers
  })

/** What a 503 asks the client to wait before it retries, in seconds. */
export const RETRY_AFTER_SECONDS = "2"

const UUID_SEGMENT = /^[^/]+$/

/**
 * The route pattern of a path, for logs and metric labels (bounded cardinality): ids and versions
 * become `{id}` / `{version}`; paths that name no route are `unmatched`.
 */
export const routeOf = (path: string, kindPaths: ReadonlySet<string>): string => {
  const p = path.split("?")[0]!.replace(/\/+$/, "") || "/"
  if (["/healthz", "/readyz", "/metrics", "/openapi.json", "/v1/status", "/v1/status/history", "/v1/me", "/", "/v1/sitreps", "/v1/sitreps/current", "/v1/sitreps/prune"].includes(p)) return p
  if (p.startsWith("/console/")) return "/console/{asset}"
  const parts = p.split("/")
  if (parts.length === 4 && parts[1] === "v1" && parts[2] === "sitreps" && UUID_SEGMENT.test(parts[3]!)) return "/v1/sitreps/{version}"
  if (parts.length === 4 && parts[1] === "v1" && parts[2] === "explain") return "/v1/explain/{id}"
  if (parts[1] === "v1" && kindPaths.has(parts[2] ?? "")) {
    if (parts.length === 3) return `/v1/${parts[2]}`
    if (parts.length === 4) return `/v1/${parts[2]}/{id}`
  }
  return "unmatched"
}

const hasBody = (request: HttpServerRequest.HttpServerRequest): boolean =>
  (request.headers["content-length"] !== undefined && request.headers["content-length"] !== "0") ||
  request.headers["transfer-encoding"] !== undefined

const isJson = (contentType: string | undefined): boolean =>
  contentType !== undefined && contentType.split(";")[0]!.trim().toLowerCase() === "application/json"

/** The SPEC 8.4 response for a failure that escaped the handlers (a defect or a router error). */
const responseOfCause = (cause: Cause.Cause<unknown>, request: HttpServerRequest.HttpServerRequest) => {
  const defect = cause.reasons.find(Cause.isDieReason)?.defect
  if (HttpApiError.HttpApiSchemaError.is(defect) && defect.kind === "Payload") {
    // A body that is not JSON: where it goes wrong, as the command line says it of a file. The
    // body was read whole already (the read is cached), so this reads nothing more.
    return Effect.map(Effect.orElseSucceed(request.text, () => ""), (text) =>
      refusalResponse(400, "InvalidInput", (text === "" ? undefined : jsonSyntaxError(text, "The request body")) ??
        describeSchemaError("The request body", defect.cause as Schema.SchemaError)))
  }
  if (HttpApiError.HttpApiSchemaError.is(defect)) {
    const what = defect.kind === "Query" ? "The query" : defect.kind === "Params" ? "The path" : "The request"
    return Effect.succeed(refusalResponse(400, "InvalidInput", describeSchemaError(what, defect.cause as Schema.SchemaError)))
  }
  const failure = cause.reasons.find(Cause.isFailReason)?.error
  const server = [failure, defect].map(serverErrorTag).find((t) => t !== undefined)
  if (server?.tag === "RouteNotFound") {
    return Effect.succeed(refusalResponse(404, "NotFound", "There is no such route; GET /openapi.json lists them."))
  }
  if (server?.tag === "RequestParseError") {
    return Effect.succeed(
      server.bodyTooLarge
        ? refusalResponse(413, "PayloadTooLarge", "The request body is over the server's limit (FM_MAX_BODY_BYTES).", { connection: "close" })
        : refusalResponse(400, "InvalidInput", "The request body could not be read.")
    )
  }
  // Anything else that escaped the handlers is no typed failure of the use cases: a 500, logged.
  return Effect.map(refusalOf(Cause.die(failure ?? defect)), (r) => refusalResponse(statusOf(r), r.error, r.message))
}

/** The HTTP server's own errors, bare or as the reason of an HttpServerError; a body over the limit by its reason. */
const serverErrorTag = (e: unknown): { tag: "RouteNotFound" | "RequestParseError"; bodyTooLarge: boolean } | undefined => {
  if (typeof e !== "object" || e === null) return undefined
  const outer = e as { _tag?: unknown; reason?: unknown }
  const inner = (outer._tag === "HttpServerError" ? outer.reason : e) as { _tag?: unknown; reason?: unknown } | undefined
  const tag = inner?._tag
  return tag === "RouteNotFound" || tag === "RequestParseError" ? { tag, bodyTooLarge: inner?.reason === "BodyTooLarge" } : undefined
}

export interface RequestOptions {
  readonly maxBodyBytes: number
  readonly kindPaths: ReadonlySet<string>
  /** The deadline over a request's whole handling (FM_HANDLING_TIMEOUT): a 503 when it passes. */
  readonly deadline: Duration.Duration
}

const READS = new Set(["GET", "HEAD", "OPTIONS"])

const pastDeadline = (options: RequestOptions, write: boolean) =>
  refusalResponse(
    503,
    "Unavailable",
    `The server could not answer within ${Duration.format(options.deadline)} (FM_HANDLING_TIMEOUT)${
      write ? "; the change may still take effect: read it back before sending it again" : ""
    }.`
  )

/**
 * The deadline over the handling (issue 22.4). A read past it is interrupted (its statement is
 * cancelled: a read has nothing to lose). A write is answered 503 but never cancelled: a cancel
 * that reaches a COMMIT waiting for a synchronous standby makes PostgreSQL report a commit that
 * a failover can lose (docs/OPERATIONS.md), so the write runs on to its end, detached, and the
 * client resolves the ambiguity by reading back.
 */
const withinDeadline = <E, R>(
  handling: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>,
  method: string,
  options: RequestOptions
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R> =>
  READS.has(method)
    ? Effect.timeoutOrElse(handling, { duration: options.deadline, orElse: () => Effect.succeed(pastDeadline(options, false)) })
    : Effect.gen(function*() {
      const fiber = yield* Effect.forkDetach(handling)
      const exit = yield* Effect.timeoutOption(Fiber.await(fiber), options.deadline)
      return Option.isNone(exit) ? pastDeadline(options, true) : yield* Exit.match(exit.value, { onSuccess: Effect.succeed, onFailure: Effect.failCause })
    })

/** The global middleware: limits before the API, refusal shape, one log line and metrics after. */
export const aroundRequest = (options: RequestOptions) =>
  <E, R>(app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const started = performance.now()
      const actor = { name: "-" }
      const route = routeOf(request.url, options.kindPaths)
      const declared = Number(request.headers["content-length"] ?? "0")
      // A body, or a declared media type on a method that carries one, must be JSON.
      const carriesBody = hasBody(request) || (["POST", "PUT", "PATCH"].includes(request.method) && request.headers["content-type"] !== undefined)
      const response = carriesBody && !isJson(request.headers["content-type"])
        ? refusalResponse(415, "UnsupportedMediaType", "The request body must be JSON, sent with Content-Type: application/json.")
        : Number.isFinite(declared) && declared > options.maxBodyBytes
        ? refusalResponse(413, "PayloadTooLarge", `The request body is over the server's limit of ${options.maxBodyBytes} bytes (FM_MAX_BODY_BYTES).`, { connection: "close" })
        : yield* withinDeadline(
          app.pipe(
            Effect.provideService(RequestActor, actor),
            // A body without a Content-Length (chunked) is cut at the limit while it is read.
            Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(options.maxBodyBytes)),
            Effect.catchCause((cause) => Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause) : responseOfCause(cause, request))
          ),
          request.method,
          options
        )
      const seconds = (performance.now() - started) / 1000
      const status = String(response.status)
      yield* Metric.update(Metric.withAttributes(requestsTotal, { route, method: request.method, status }), 1)
      yield* Metric.update(Metric.withAttributes(requestSeconds, { route }), seconds)
      yield* Effect.sync(() =>
        process.stderr.write(
          `timestamp=${new Date().toISOString()} method=${request.method} route=${JSON.stringify(route)} status=${status} duration_ms=${(seconds * 1000).toFixed(2)} actor=${JSON.stringify(actor.name)}\n`
        )
      )
      return response.status === 401
        ? HttpServerResponse.setHeader(response, "www-authenticate", "Bearer")
        : response.status === 503
        // SPEC 8.4: every 503 says when to retry (the database is away or the request ran too long).
        ? HttpServerResponse.setHeader(response, "retry-after", RETRY_AFTER_SECONDS)
        : response
    })
