import * as fs from "node:fs"
import {
  type ActivationReport,
  decodeStoredReport,
  type Explanation,
  type Generation,
  InvalidInput,
  type KindRegistry,
  NotAuthorized,
  NotFound,
  ParentNotCurrent,
  type Resource,
  type Sitrep
} from "@fm-rendezvous/domain"
import { Config, Duration, Effect, Layer, Option, Result } from "effect"
import { FetchHttpClient } from "effect/http"
import { ExecutorSettings } from "../config.ts"
import { DELETE_OUTCOME_HEADER, decodeDeleteOutcome, kindGroup } from "../http/api.ts"
import { makeApiClient } from "../http/client.ts"
import { encodePageToken } from "../http/pages.ts"
import { Unavailable, Usage } from "./failure.ts"
import type { GlobalOptions } from "./globalFlags.ts"
import { Operations } from "./operations.ts"

/**
 * Remote mode (SPEC 8.5): the operations over the API, with the client derived from the API's
 * own definition. Refusals come back as the domain's failures, with the server's sentence, so
 * the one verdict function gives the command line the same exit codes as in direct mode; a
 * server that cannot be reached or answers too late is exit 3.
 */
const ClientTimeout = Config.Duration("FM_CLIENT_TIMEOUT").pipe(Config.withDefault(Duration.seconds(30)))

const tokenOf = (global: GlobalOptions): Effect.Effect<string, Usage> => {
  if (Option.isSome(global.token)) return Effect.succeed(global.token.value.trim())
  if (Option.isSome(global.tokenFile)) {
    const file = global.tokenFile.value
    return Effect.try({
      try: () => fs.readFileSync(file, "utf8").trim(),
      catch: () => new Usage({ message: `Cannot read the token file ${file}.` })
    })
  }
  return Effect.fail(new Usage({ message: "--server needs a token: give --token, FM_TOKEN or --token-file." }))
}

/** What a refusal of SPEC 8.4 means to the command line (SPEC 8.5 exit codes). */
const failureOf = (server: string) => (error: unknown) => {
  const e = error as { _tag?: string; error?: string; message?: string; constructor?: { name?: string } }
  const message = typeof e.message === "string" ? e.message : String(error)
  const status = statusOf(error)
  switch (status) {
    case 400:
    case 413:
    case 415:
      return new InvalidInput({ message })
    case 401:
      return new NotAuthorized({ message: `The server at ${server} refused the token (missing, unknown, expired or revoked).` })
    case 403:
      return new NotAuthorized({ message })
    case 404:
      return new NotFound({ message })
    case 409:
      return new ParentNotCurrent({ message })
    case 500:
      return new Unavailable({ message: `The server at ${server} failed: ${message}` })
    default:
      return new Unavailable({ message: `The server at ${server} could not be reached or did not answer; retry later.` })
  }
}

const statusOf = (error: unknown): number | undefined => {
  const ctor = (error as { constructor?: { annotations?: unknown } })?.constructor as { ast?: { annotations?: { httpApiStatus?: number } } } | undefined
  const direct = ctor?.ast?.annotations?.httpApiStatus
  if (typeof direct === "number") return direct
  const name = (error as { constructor?: { identifier?: string } })?.constructor?.identifier
  return name === undefined ? undefined : STATUS_BY_ID[name]
}

const STATUS_BY_ID: Record<string, number> = {
  "fm/http/BadRequest": 400,
  "fm/http/Unauthorized": 401,
  "fm/http/Forbidden": 403,
  "fm/http/NotFound": 404,
  "fm/http/Conflict": 409,
  "fm/http/PayloadTooLarge": 413,
  "fm/http/UnsupportedMediaType": 415,
  "fm/http/InternalError": 500,
  "fm/http/Unavailable": 503
}

const big = (v: unknown): bigint | null => (v === null || v === undefined ? null : BigInt(v as number | string))

const toResource = (json: any): Resource => {
  const { id, kind, caseId, timeCreated, state, ...fields } = json
  return { id, kind, caseId, timeCreated: new Date(timeCreated), state: state ?? null, fields }
}

const toExplanation = (json: any): Explanation => ({
  ...json,
  createdAtGeneration: big(json.createdAtGeneration),
  droppedAtGeneration: big(json.droppedAtGeneration)
})

const toSitrep = (registry: KindRegistry, json: any): Sitrep => ({
  id: json.id,
  parentId: json.parentId,
  version: json.version,
  creatorId: json.creatorId,
  timeCreated: new Date(json.timeCreated),
  comment: json.comment,
  generations: Object.fromEntries(Object.entries(json.generations as Record<string, number>).map(([k, g]) => [k, BigInt(g)])) as never,
  cases: (json.cases as Array<any>).map((c) => ({
    id: c.id,
    comment: c.comment,
    closed: c.closed,
    firstSitrepId: json.id,
    closedSitrepId: null,
    requests: Object.fromEntries(registry.all.map((k) => [
      k.name,
      // The API's document does not say when a request entered the lineage; rendering never asks.
      ((c[k.documentField] ?? []) as Array<any>).map(({ id, ...body }) => ({ id, caseId: c.id, body, enteredAt: BigInt(json.generations[k.name] ?? 1) as Generation }))
    ]))
  }))
})

const toReport = (json: any): ActivationReport => {
  const kinds = Object.fromEntries(Object.entries(json.kinds as Record<string, any>).map(([k, { lag: _lag, ...rest }]) => [k, rest]))
  const decoded = decodeStoredReport({ ...json, kinds })
  if (Result.isFailure(decoded)) throw new Error("the server sent a report this command line cannot read")
  return decoded.success
}

export const remoteOperations = (global: GlobalOptions, registry: KindRegistry, server: string) =>
  Layer.effect(
    Operations,
    Effect.gen(function*() {
      if (Option.isSome(global.actor) || Option.isSome(global.role)) {
        return yield* new Usage({
          message: "--actor and --role do not exist with --server: the token names who acts (unset FM_ACTOR and FM_ROLE)."
        })
      }
      const token = yield* tokenOf(global)
      const timeout = yield* ClientTimeout
      const baseUrl = server.replace(/\/+$/, "")
      const client: any = yield* makeApiClient({ kinds: registry.all, baseUrl, token }).pipe(Effect.provide(FetchHttpClient.layer))
      const call = <A>(effect: Effect.Effect<A, unknown>) =>
        effect.pipe(
          Effect.timeoutOrElse({
            duration: timeout,
            orElse: () => Effect.fail(new Unavailable({ message: `The server at ${baseUrl} did not answer within ${Duration.format(timeout)}; retry later.` }))
          }),
          Effect.mapError((e) => (e instanceof Unavailable ? e : failureOf(baseUrl)(e)))
        )
      const me = (yield* call(client.inspect.me())) as { name: string }
      const settings = yield* ExecutorSettings
      return Operations.of({
        actorName: me.name,
        publish: (document) =>
          call(client.sitreps.publish({ payload: document })).pipe(Effect.map((p: any) => ({
            id: p.id,
            version: p.version,
            generations: Object.fromEntries(Object.entries(p.generations as Record<string, number>).map(([k, g]) => [k, BigInt(g)])) as never,
            alreadyPublished: p.alreadyPublished === true
          }))),
        sitrep: (version, flag) =>
          Option.isSome(version) && version.value < 1
            ? Effect.fail(new Usage({ message: `${flag} takes a history version (1 or more), not ${version.value}.` }))
            : call(Option.isSome(version) ? client.sitreps.byVersion({ params: { version: String(version.value) } }) : client.sitreps.current())
              .pipe(Effect.map((json) => toSitrep(registry, json))),
        prune: (keepFlag) => {
          const keep = Option.getOrElse(keepFlag, () => settings.historyToKeep)
          return call(client.sitreps.prune({ payload: { keep } })).pipe(Effect.map((r: any) => ({
            keep,
            historyRemoved: r.removedVersions,
            sitrepsRemoved: r.removedSitreps,
            pages: r.pages,
            history: r.history === null ? null : { oldest: r.history.oldest, newest: r.history.newest }
          })))
        },
        list: (kind, limit, after) =>
          call(client[kindGroup(kind)].list({
            query: { limit: String(Math.min(1000, Math.max(1, limit))), ...(after === undefined ? {} : { page_token: encodePageToken(after) }) }
          })).pipe(Effect.map((page: any) => (page.items as Array<unknown>).map(toResource))),
        show: (kind, id) => call(client[kindGroup(kind)].get({ params: { id } })).pipe(Effect.map(toResource)),
        remove: (kind, id) =>
          call(client[kindGroup(kind)].remove({ params: { id } })).pipe(Effect.map((answer: any) =>
            decodeDeleteOutcome(answer?.headers?.[DELETE_OUTCOME_HEADER]) ?? { _tag: "DeletedRemotely" as const })),
        comment: (kind, id, text) => call(client[kindGroup(kind)].comment({ params: { id }, payload: { userComment: text } })).pipe(Effect.asVoid),
        explain: (id) => call(client.inspect.explain({ params: { id } })).pipe(Effect.map(toExplanation)),
        status: call(client.inspect.status()).pipe(Effect.map((s: any) => ({
          current: Option.fromNullishOr(s.currentSitrep),
          reports: (s.executors as Array<unknown>).map(toReport)
        })))
      })
    })
  )

