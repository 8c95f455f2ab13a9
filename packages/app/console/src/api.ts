import { kindPath, statusOf } from "@fm-rendezvous/app/http/api"
import { makeApiClient } from "@fm-rendezvous/app/http/client"
import { defaultKinds } from "@fm-rendezvous/domain"
import { Cause, Effect, Exit } from "effect"
import { FetchHttpClient } from "effect/http"

/**
 * The console's only way to the server: the API client derived from the server's own `HttpApi`
 * definition (http/client.ts), on the browser's fetch, with the tab's bearer token. A refusal
 * comes back as its status and the server's sentence (SPEC 8.4), never as a broken page.
 */
export class ApiFailure extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

type Client = Effect.Success<ReturnType<typeof makeApiClient>>

/** The route groups the console calls, by name: the kinds' groups are named by the registry at run time. */
export type Groups = Record<string, Record<string, (request?: any) => Effect.Effect<any, unknown>>>

let client: Groups | undefined

export const connect = async (token: string): Promise<void> => {
  const made: Client = await Effect.runPromise(
    makeApiClient({ kinds: defaultKinds, baseUrl: location.origin, token }).pipe(Effect.provide(FetchHttpClient.layer))
  )
  client = made as unknown as Groups
}

export const disconnect = () => {
  client = undefined
}

const failureOf = (error: unknown): ApiFailure => {
  if (error !== null && typeof error === "object" && typeof (error as { message?: unknown }).message === "string" && typeof (error as { error?: unknown }).error === "string") {
    return new ApiFailure(statusOf(error as never), (error as { message: string }).message)
  }
  return new ApiFailure(0, "The server could not be reached; retry in a moment.")
}

/** One call: `call("inspect", "status")`, `call("alerts", "get", { params: { id } })`. */
export const call = async <A = any>(group: string, endpoint: string, request?: unknown): Promise<A> => {
  if (client === undefined) throw new ApiFailure(401, "Sign in first.")
  const method = client[group]?.[endpoint]
  if (method === undefined) throw new ApiFailure(0, `The console has no route ${group}.${endpoint}.`)
  const exit = await Effect.runPromiseExit(request === undefined ? method() : method(request))
  if (Exit.isSuccess(exit)) return exit.value as A
  const failure = exit.cause.reasons.find(Cause.isFailReason)
  throw failureOf(failure === undefined ? undefined : failure.error)
}

/** The kinds the console shows, from the domain's registry: path (the route group) and names. */
export const kinds = defaultKinds.map((k) => ({
  name: k.name,
  path: kindPath(k),
  singular: k.singular,
  plural: k.plural,
  userComment: k.userComment,
  documentField: k.documentField
}))
