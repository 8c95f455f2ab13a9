import type { ResourceKind } from "@fm-rendezvous/domain"
import { Effect } from "effect"
import { HttpClientError, HttpClientRequest } from "effect/http"
import { HttpApiClient, HttpApiMiddleware } from "effect/http-api"
import { Authenticated, kindGroup, makeApi, type Refusal, refusalsByStatus, type ResourceGroup, statusOf } from "./api.ts"

/**
 * The one client of the API (SPEC 8.5, 8.3a): derived from the same `HttpApi` definition the
 * server runs, so neither the command line (cli/remote.ts, on Node's fetch) nor the console
 * (in the browser) holds a second copy of the routes or the JSON shapes. Platform-neutral: the
 * caller provides the `HttpClient` (FetchHttpClient on both today); no Node module here.
 */
export const makeApiClient = (options: {
  readonly kinds: ReadonlyArray<ResourceKind>
  readonly baseUrl: string
  readonly token: string
}) =>
  HttpApiClient.make(makeApi(options.kinds), { baseUrl: options.baseUrl.replace(/\/+$/, "") }).pipe(
    Effect.provide(
      HttpApiMiddleware.layerClient(Authenticated, ({ next, request }) => next(HttpClientRequest.bearerToken(request, options.token)))
    )
  )

/** The client's type, for modules that pass it around. */
export type ApiClient = Effect.Success<ReturnType<typeof makeApiClient>>

/** One kind's routes on the client (its group's name is registry data, so the type is the template's). */
export type ResourceClient = HttpApiClient.Client.Group<ResourceGroup, never, never>

export const resourceClient = (client: ApiClient, kind: ResourceKind): ResourceClient =>
  (client as unknown as Readonly<Record<string, ResourceClient>>)[kindGroup(kind)]!

/**
 * What a failed call means, judged as SPEC 8.5 says: the API's own refusal (its status and
 * sentence), an answer that is not the API's (a proxy's page: its status and first line), or no
 * answer at all (connection refused, reset, a name that does not resolve, a TLS mismatch).
 */
export type CallFailure =
  | { readonly _tag: "Refusal"; readonly status: number; readonly error: string; readonly message: string }
  | { readonly _tag: "Foreign"; readonly status: number; readonly firstLine: string }
  | { readonly _tag: "NoAnswer"; readonly detail: string; readonly retryable: boolean }

const refusalClasses = [...refusalsByStatus.values()]
const isRefusal = (e: unknown): e is Refusal => refusalClasses.some((make) => e instanceof make)

const firstLineOf = (text: string): string => {
  const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1] ?? /<h1>([^<]*)<\/h1>/i.exec(text)?.[1]
  const line = (title ?? text.split("\n").map((l) => l.trim()).find((l) => l !== "") ?? "").replace(/\s+/g, " ").trim()
  return line.length > 120 ? `${line.slice(0, 117)}...` : line
}

/** The causes a transport error carries, innermost last (fetch wraps the socket's error). */
const causeChain = (e: unknown): Array<unknown> => {
  const chain: Array<unknown> = []
  for (let c: unknown = e; c !== undefined && c !== null && chain.length < 6; c = (c as { cause?: unknown }).cause) chain.push(c)
  return chain
}

/** Why there was no answer, in words an operator acts on; a TLS mismatch does not heal by retrying. */
const noAnswer = (e: unknown): CallFailure => {
  const chain = causeChain(e)
  const codes = chain.map((c) => String((c as { code?: unknown }).code ?? "")).filter((c) => c !== "")
  const texts = chain.map((c) => String((c as { message?: unknown }).message ?? "")).join(" ")
  const because = (detail: string, retryable = true): CallFailure => ({ _tag: "NoAnswer", detail, retryable })
  if (codes.includes("ENOTFOUND") || codes.includes("EAI_AGAIN")) return because("its host name does not resolve")
  if (codes.includes("ECONNREFUSED")) return because("nothing accepts connections there")
  if (codes.some((c) => c.startsWith("ERR_SSL") || c.startsWith("ERR_TLS") || c.includes("CERT")) || /SSL|TLS|certificate|wrong version number/i.test(texts)) {
    return because("the TLS handshake failed (an https:// address for a plain http:// server, or a certificate this machine does not trust)", false)
  }
  if (codes.includes("ECONNRESET") || codes.includes("UND_ERR_SOCKET")) return because("the connection was closed before an answer")
  return because("it could not be reached")
}

export const callFailureOf = (error: unknown): Effect.Effect<CallFailure> => {
  if (isRefusal(error)) return Effect.succeed({ _tag: "Refusal", status: statusOf(error), error: error.error, message: error.message })
  if (HttpClientError.isHttpClientError(error)) {
    const reason = error.reason
    if ("response" in reason) {
      const response = reason.response
      return response.text.pipe(
        Effect.map(firstLineOf),
        Effect.orElseSucceed(() => ""),
        Effect.map((firstLine) => ({ _tag: "Foreign" as const, status: response.status, firstLine }))
      )
    }
    return Effect.succeed(noAnswer(reason))
  }
  return Effect.succeed(noAnswer(error))
}
