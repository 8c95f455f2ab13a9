import * as fs from "node:fs"
import {
  type ActivationReport,
  decodeStoredReport,
  type Explanation,
  type Generation,
  type HistoryEntry,
  InvalidInput,
  type KindRegistry,
  NotAuthorized,
  NotFound,
  ParentNotCurrent,
  type Resource,
  type ResourceKind,
  type SitrepId,
  type SitrepVersion,
  type Sitrep
} from "@fm-rendezvous/domain"
import { Config, Duration, Effect, Layer, Option, Result } from "effect"
import { FetchHttpClient } from "effect/http"
import { ExecutorSettings } from "../config.ts"
import { DELETE_OUTCOME_HEADER, decodeDeleteReport } from "../shared/deleteReport.ts"
import { type CallFailure, callFailureOf, makeApiClient, resourceClient } from "../http/client.ts"
import { auditEntryFromJson, type AuditEntryJson } from "../render/audit.ts"
import { encodeAuditCursor } from "../shared/audit.ts"
import { processFromJson } from "../render/process.ts"
import { encodePageToken } from "../shared/pages.ts"
import { tokenShapeProblem } from "../shared/tokenShape.ts"
import { Refused, Unavailable, Usage } from "../shared/failure.ts"
import { writeStderr } from "./output.ts"
import type { GlobalOptions } from "./globalFlags.ts"
import { followAuditPages, followCursor, followPages, type OperationError, Operations } from "./operations.ts"

/**
 * Remote mode (SPEC 8.5): the operations over the API, with the client derived from the API's
 * own definition. Refusals come back as the domain's failures, with the server's sentence, so
 * the one verdict function gives the command line the same exit codes as in direct mode; a
 * server that cannot be reached or answers too late is exit 3.
 */
const ClientTimeout = Config.Duration("FM_CLIENT_TIMEOUT").pipe(Config.withDefault(Duration.seconds(30)))

const tokenText = (global: GlobalOptions): Effect.Effect<{ text: string; from: string }, Usage> => {
  if (Option.isSome(global.token)) return Effect.succeed({ text: global.token.value.trim(), from: "--token (or FM_TOKEN)" })
  if (Option.isSome(global.tokenFile)) {
    const file = global.tokenFile.value
    return Effect.try({
      try: () => ({ text: fs.readFileSync(file, "utf8").trim(), from: `the token file ${file}` }),
      catch: () => new Usage({ message: `Cannot read the token file ${file}.` })
    })
  }
  return Effect.fail(new Usage({ message: "--server needs a token: give --token, FM_TOKEN or --token-file." }))
}

/** The token, refused before anything is sent when it cannot be one (SPEC 8.2's shape). */
const tokenOf = (global: GlobalOptions): Effect.Effect<string, Usage> =>
  Effect.flatMap(tokenText(global), ({ text, from }) => {
    const problem = tokenShapeProblem(text)
    return problem === undefined
      ? Effect.succeed(text)
      : Effect.fail(new Usage({ message: `The value of ${from} is not an fm token: ${problem}.` }))
  })

/** An HTTP status to the domain's failure of the same exit code (SPEC 8.5's table). */
/** The statuses that say "retry later" (SPEC 8.5 exit 3). */
const RETRYABLE = new Set([408, 429, 502, 503, 504])

const failureOfStatus = (status: number, message: string): OperationError => {
  if ([400, 405, 411, 413, 414, 415, 422, 431].includes(status)) return new InvalidInput({ message })
  if (status === 401 || status === 403) return new NotAuthorized({ message })
  if (status === 404) return new NotFound({ message })
  if (status === 409) return new ParentNotCurrent({ message })
  if (RETRYABLE.has(status)) return new Unavailable({ message })
  return new Refused({ message })
}

/**
 * What a failed call means to the command line (SPEC 8.5 exit codes): the server's own refusal
 * with its sentence; an answer that is not the API's (a proxy's page) by its status alone, with
 * the status and the page's first line; no answer at all is exit 3 (retry), except a TLS
 * handshake that failed, which retrying cannot heal.
 */
const failureOf = (server: string, failure: CallFailure): OperationError => {
  switch (failure._tag) {
    case "Refusal":
      if (failure.status === 401) return new NotAuthorized({ message: `The server at ${server} refused the token (missing, unknown, expired or revoked).` })
      if (failure.status === 500) return new Refused({ message: `The server at ${server} failed: ${failure.message}` })
      return failureOfStatus(failure.status, failure.message)
    case "Foreign": {
      const what = failure.firstLine === "" ? "" : ` (${failure.firstLine})`
      const retry = RETRYABLE.has(failure.status) ? "; retry later" : ""
      return failureOfStatus(failure.status, `${server} answered HTTP ${failure.status}${what}, not with the API's answer (a proxy in front of it?)${retry}.`)
    }
    case "NoAnswer":
      return failure.retryable
        ? new Unavailable({ message: `The server at ${server} could not be reached: ${failure.detail}; retry later.` })
        : new Usage({ message: `The server at ${server} could not be reached: ${failure.detail}.` })
  }
}

const big = (v: unknown): bigint | null => (v === null || v === undefined ? null : BigInt(v as number | string))

const toResource = (json: any): Resource => {
  const { id, kind, caseId, timeCreated, state, ...fields } = json
  return { id, kind, caseId, timeCreated: new Date(timeCreated), state: state ?? null, fields }
}

const toExplanation = (json: any): Explanation => ({
  ...json,
  createdAtGeneration: big(json.createdAtGeneration),
  droppedAtGeneration: big(json.droppedAtGeneration),
  // A server from before issue 25.5 sends no history.
  history: ((json.history ?? []) as Array<AuditEntryJson>).map(auditEntryFromJson)
})

/** A history entry (a stored sitrep's header) from the API's JSON. */
const toHistoryEntry = (json: any): HistoryEntry => ({
  id: json.id,
  parentId: json.parentId,
  version: json.version,
  creatorId: json.creatorId,
  // A server from before issue 25.4 does not send it: not recorded.
  publishedBy: json.publishedBy ?? null,
  timeCreated: new Date(json.timeCreated),
  comment: json.comment,
  generations: Object.fromEntries(Object.entries(json.generations as Record<string, number | string>).map(([k, g]) => [k, BigInt(g)])) as never
})

const toSitrep = (registry: KindRegistry, json: any): Sitrep => ({
  ...toHistoryEntry(json),
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

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i

/**
 * An address that cannot be right is bad usage (exit 2), named, before anything is sent
 * (issue 25.10); a token about to cross the network in clear text is warned about.
 */
const checkServer = (server: string): Effect.Effect<void, Usage> => {
  const example = "such as http://127.0.0.1:8080 or https://fm.example.net"
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(server)) {
    return Effect.fail(new Usage({ message: `--server (or FM_SERVER) takes a URL ${example}, not ${JSON.stringify(server)}: it has no scheme (add http:// or https://).` }))
  }
  let url: URL
  try {
    url = new URL(server)
  } catch {
    return Effect.fail(new Usage({ message: `--server (or FM_SERVER) takes a URL ${example}; ${JSON.stringify(server)} is not one.` }))
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return Effect.fail(new Usage({ message: `--server (or FM_SERVER) must be an http:// or https:// URL, not ${url.protocol}// (${JSON.stringify(server)}).` }))
  }
  if (url.search !== "" || url.hash !== "") {
    return Effect.fail(new Usage({ message: `--server (or FM_SERVER) is the API's base URL, without a query or fragment, not ${JSON.stringify(server)}.` }))
  }
  return url.protocol === "http:" && !LOOPBACK.test(url.hostname)
    ? writeStderr(`Warning: the token goes in clear text over http:// to ${url.hostname}; use https:// (a TLS proxy in front of fm serve, docs/OPERATIONS.md).`)
    : Effect.void
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
      yield* checkServer(server)
      const token = yield* tokenOf(global)
      const timeout = yield* ClientTimeout
      const baseUrl = server.replace(/\/+$/, "")
      const client = yield* makeApiClient({ kinds: registry.all, baseUrl, token }).pipe(Effect.provide(FetchHttpClient.layer))
      const call = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, OperationError> =>
        effect.pipe(
          Effect.catch((e) => Effect.flatMap(callFailureOf(e), (f) => Effect.fail(failureOf(baseUrl, f)))),
          Effect.timeoutOrElse({
            duration: timeout,
            orElse: () => Effect.fail(new Unavailable({ message: `The server at ${baseUrl} did not answer within ${Duration.format(timeout)}; retry later.` }))
          })
        )
      const kinds = (kind: ResourceKind) => resourceClient(client, kind)
      const me = yield* call(client.inspect.me())
      const settings = yield* ExecutorSettings
      return Operations.of({
        actorName: me.name,
        publish: (document) =>
          call(client.sitreps.publish({ payload: document })).pipe(Effect.map((p) => ({
            id: p.id,
            version: p.version as SitrepVersion,
            generations: Object.fromEntries(Object.entries(p.generations).map(([k, g]) => [k, BigInt(g)])) as never,
            alreadyPublished: p.alreadyPublished === true
          }))),
        sitrep: (version, flag) =>
          Option.isSome(version) && version.value < 1
            ? Effect.fail(new Usage({ message: `${flag} takes a history version (1 or more), not ${version.value}.` }))
            : call(Option.isSome(version) ? client.sitreps.byVersion({ params: { version: String(version.value) } }) : client.sitreps.current())
              .pipe(Effect.map((json) => toSitrep(registry, json))),
        history: (limit, before) =>
          followCursor(limit, before, (e: HistoryEntry) => e.version, (want, cursor) =>
            call(client.sitreps.history({
              query: { limit: String(want), ...(cursor === undefined ? {} : { page_token: encodePageToken(String(cursor)) }) }
            })).pipe(Effect.map((page) => ({ rows: page.items.map(toHistoryEntry), more: page.nextPageToken !== null })))),
        prune: (keepFlag) => {
          const keep = Option.getOrElse(keepFlag, () => settings.historyToKeep)
          return call(client.sitreps.prune({ payload: { keep } })).pipe(Effect.map((r) => ({
            keep,
            removedVersions: r.removedVersions,
            removedSitreps: r.removedSitreps,
            pages: r.pages,
            history: r.history === null ? null : { oldest: r.history.oldest as SitrepVersion, newest: r.history.newest as SitrepVersion }
          })))
        },
        list: (kind, limit, after) =>
          followPages(limit, after, (want, cursor) =>
            call(kinds(kind).list({
              query: { limit: String(want), ...(cursor === undefined ? {} : { page_token: encodePageToken(cursor) }) }
            })).pipe(Effect.map((page) => ({ rows: page.items.map(toResource), more: page.nextPageToken !== null })))),
        show: (kind, id) => call(kinds(kind).get({ params: { id } })).pipe(Effect.map(toResource)),
        remove: (kind, id) =>
          call(kinds(kind).remove({ params: { id } })).pipe(Effect.map((answer) =>
            // A server from before issue 25.8 sends no report this reads: deleted, details unknown.
            decodeDeleteReport(answer.headers[DELETE_OUTCOME_HEADER]) ?? { outcome: "deleted" as const, fmCreated: null })),
        comment: (kind, id, text) => call(kinds(kind).comment({ params: { id }, payload: { userComment: text } })).pipe(Effect.asVoid),
        explain: (id) => call(client.inspect.explain({ params: { id } })).pipe(Effect.map(toExplanation)),
        audit: (filter, limit, after) =>
          followAuditPages(filter, limit, after, (f, want, cursor) =>
            call(client.audit.list({
              query: {
                limit: String(want),
                ...(cursor === null ? {} : { page_token: encodeAuditCursor(cursor) }),
                ...(f.subject === undefined ? {} : { id: f.subject }),
                ...(f.actor === undefined ? {} : { actor: f.actor }),
                ...(f.since === undefined ? {} : { since: f.since.toISOString() })
              }
            })).pipe(Effect.map((page) => ({ entries: page.items.map(auditEntryFromJson), more: page.nextPageToken !== null })))),
        forgetExecutor: (name) => call(client.inspect.forgetExecutor({ params: { name } })).pipe(Effect.asVoid),
        status: call(client.inspect.status()).pipe(Effect.map((s) => ({
          current: Option.map(Option.fromNullishOr(s.currentSitrep), (c) => ({ id: c.id as SitrepId, version: c.version as SitrepVersion })),
          reports: s.executors.map(toReport),
          // Issue 25: a server from before leases sends no `process`.
          processes: s.executors.flatMap((e) => (e.process == null ? [] : [processFromJson(e.executor, e.process)])),
          // A server from before issue 18 does not send it: nothing known.
          reconciled: Object.fromEntries(Object.entries((s.reconciled ?? {}) as Record<string, { at: string; by: string }>)
            .map(([kind, r]) => [kind, { at: new Date(r.at), by: r.by }]))
        })))
      })
    })
  )

