import type { ResourceKind } from "@fm-rendezvous/domain"
import { Effect } from "effect"
import { HttpClientRequest } from "effect/http"
import { HttpApiClient, HttpApiMiddleware } from "effect/http-api"
import { Authenticated, makeApi } from "./api.ts"

/**
 * The one client of the API (SPEC 8.5, 8.3a): derived from the same `HttpApi` definition the
 * server runs, so neither the command line (cli/remote.ts, on Node's fetch) nor the console
 * (in the browser) holds a second copy of the routes or the JSON shapes. Platform-neutral: the
 * caller provides the `HttpClient` (FetchHttpClient on both today).
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

