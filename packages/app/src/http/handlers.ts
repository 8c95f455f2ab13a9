import {
  AuditLog,
  Authorization,
  commentResource,
  decodeResourceId,
  deleteResource,
  explain,
  InvalidInput,
  Kinds,
  type KindRegistry,
  pruneHistory,
  publishSitrep,
  type ResourceId,
  type ResourceKind,
  ResourceStore,
  showResource,
  SitrepHistory,
  SitrepStore,
  type SitrepVersion
} from "@fm-rendezvous/domain"
import { Cause, Effect, Layer, Option, Result } from "effect"
import { type HttpApi, HttpApiBuilder, HttpApiSchema, OpenApi } from "effect/http-api"
import { PrometheusMetrics } from "effect/observability"
import { ExecutorSettings } from "../config.ts"
import { type Failure, verdictOf } from "../shared/failure.ts"
import { forgetExecutor, readStatusView } from "../shared/executors.ts"
import { parseComment, parseResourceId } from "../shared/input.ts"
import { lookUpSitrep } from "../shared/sitrepLookup.ts"
import { explanationToJson } from "../render/explanation.ts"
import { statusToJson } from "../render/report.ts"
import { resourceToJson } from "../render/resource.ts"
import { historyEntryToJson, sitrepToJson } from "../render/sitrep.ts"
import { DELETE_OUTCOME_HEADER, deleteReportOf, encodeDeleteReport } from "../shared/deleteReport.ts"
import { type Api, Caller, kindGroup, type Refusal, refusalsByStatus, type ResourceGroup, type UncommentedResourceGroup } from "./api.ts"
import { decodePage, encodePageToken, isVersionCursor } from "../shared/pages.ts"
import { auditEntryToJson } from "../render/audit.ts"
import { cursorOfText, encodeAuditCursor, parseAuditName, parseSince, validCursorText } from "../shared/audit.ts"
import { StatusHistory } from "./history.ts"
import { readiness } from "./readiness.ts"

/**
 * The handlers call the use cases the command line calls; a failure becomes the refusal of SPEC
 * 8.4 through the same verdict (and sentence) the command line prints. Unexpected failures
 * answer one sentence and are logged with their detail, never sent.
 */
export const refusalOf = (cause: Cause.Cause<Failure>): Effect.Effect<Refusal> => {
  const verdict = verdictOf(cause)
  const status = refusalsByStatus.has(verdict.httpStatus) ? verdict.httpStatus : 500
  const message = status === 503
    ? "The database cannot be reached or timed out; retry later."
    : status === 500
    ? "The server could not do it; its log says why."
    : verdict.sentence
  const make = refusalsByStatus.get(status)!
  const refusal = new make({ error: status >= 500 ? (status === 503 ? "Unavailable" : "Unexpected") : verdict.reason, message })
  return status >= 500 ? Effect.as(Effect.logError(`request failed: ${verdict.sentence}`), refusal) : Effect.succeed(refusal)
}

const asRefusal = <A, E extends Failure, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, Refusal, R> =>
  Effect.catchCause(self, (cause) =>
    Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause as Cause.Cause<never>) : Effect.flatMap(refusalOf(cause), Effect.fail))

const grant = (action: string) => Effect.gen(function*() {
  return yield* (yield* Authorization).requireAdmin(yield* Caller, action)
})
const viewer = (action: string) => Effect.gen(function*() {
  yield* (yield* Authorization).requireViewer(yield* Caller, action)
})

const sitrepHandlers = (api: Api, registry: KindRegistry) =>
  HttpApiBuilder.group(api, "sitreps", (h) =>
    h
      .handle("publish", ({ payload }) =>
        asRefusal(Effect.gen(function*() {
          const published = yield* publishSitrep(yield* grant("publishing a sitrep"), payload)
          return {
            id: published.id,
            version: Number(published.version),
            generations: Object.fromEntries(Object.entries(published.generations).map(([k, g]) => [k, Number(g)])),
            alreadyPublished: published.alreadyPublished
          }
        })))
      .handle("history", ({ query }) =>
        asRefusal(Effect.gen(function*() {
          yield* viewer("reading sitreps")
          const page = yield* decodePage(query, isVersionCursor)
          const before = page.after === undefined ? null : (Number(page.after) as SitrepVersion)
          const rows = yield* (yield* SitrepHistory).page(before, page.limit + 1)
          const items = rows.slice(0, page.limit)
          return {
            items: items.map((e) => historyEntryToJson(registry, e)),
            nextPageToken: rows.length > page.limit ? encodePageToken(String(items[items.length - 1]!.version)) : null
          }
        })))
      .handle("current", () =>
        asRefusal(Effect.gen(function*() {
          yield* viewer("reading sitreps")
          return sitrepToJson(yield* Kinds, yield* lookUpSitrep(Option.none(), "GET /v1/sitreps"))
        })))
      .handle("byVersion", ({ params }) =>
        asRefusal(Effect.gen(function*() {
          yield* viewer("reading sitreps")
          const version = /^\d{1,15}$/.test(params.version) ? Number(params.version) : Number.NaN
          if (!Number.isSafeInteger(version)) {
            return yield* new InvalidInput({ message: `${JSON.stringify(params.version)} is not a sitrep version: versions are whole numbers from 1.` })
          }
          return sitrepToJson(yield* Kinds, yield* lookUpSitrep(Option.some(version), "GET /v1/sitreps/{version}"))
        })))
      .handle("prune", ({ payload }) =>
        asRefusal(Effect.gen(function*() {
          const settings = yield* ExecutorSettings
          const result = yield* pruneHistory(yield* grant("pruning sitrep history"), payload.keep, settings.sweepPageSize)
          const history = Option.getOrNull(yield* (yield* SitrepStore).historyRange)
          return {
            keep: payload.keep,
            removedVersions: result.historyRemoved,
            removedSitreps: result.sitrepsRemoved,
            pages: result.pages,
            history: history === null ? null : { oldest: Number(history.oldest), newest: Number(history.newest) }
          }
        }))))

const inspectHandlers = (api: Api) =>
  // The status history is the server's own (its sampler runs in the server's scope): taken when the routes are built.
  HttpApiBuilder.group(api, "inspect", (h) => Effect.map(StatusHistory, (history) =>
    h
      .handle("explain", ({ params }) =>
        asRefusal(Effect.gen(function*() {
          yield* viewer("explaining resources")
          return explanationToJson(yield* explain(yield* parseResourceId(params.id)))
        })))
      .handle("status", () =>
        asRefusal(Effect.gen(function*() {
          yield* viewer("reading status")
          const { current, reports, reconciled, processes } = yield* readStatusView
          // The document `fm status --json` prints (one shape in both modes).
          return statusToJson(Option.getOrNull(current), reports, reconciled, processes)
        })))
      .handle("forgetExecutor", ({ params }) => asRefusal(Effect.flatMap(Caller, (caller) => forgetExecutor(caller, params.name))))
      .handle("history", () =>
        asRefusal(Effect.gen(function*() {
          yield* viewer("reading status")
          return { periodSeconds: history.periodSeconds, samples: yield* history.samples }
        })))
      .handle("me", () => Caller.useSync((c) => ({ name: c.name, role: c.role })))))

const systemHandlers = (api: Api) => {
  // The document of the API being served (with the registry's kinds), generated once.
  const openapi = OpenApi.fromApi(api)
  return HttpApiBuilder.group(api, "system", (h) =>
    h
      .handle("healthz", () => Effect.succeed({ status: "ok" as const }))
      .handle("readyz", () => readiness)
      .handle("metrics", () => PrometheusMetrics.format())
      .handle("openapi", () => Effect.succeed(openapi)))
}


/** One kind's routes, from its descriptor (SPEC 8.3: a kind gets its routes with no code of its own). */
const kindHandlers = (api: Api, kind: ResourceKind) => {
  // The group's name is registry data, so the group is typed by the template of every kind's
  // group (api.ts); the handlers, their errors and their services stay typed.
  const name = kindGroup(kind) as "resource"
  const template = api as unknown as HttpApi.HttpApi<"fm", ResourceGroup>
  const list = HttpApiBuilder.handler(template, "resource", "list", ({ query }) =>
    asRefusal(Effect.gen(function*() {
      yield* viewer(`reading ${kind.plural}`)
      const page = yield* decodePage(query, (after) => Result.isSuccess(decodeResourceId(after)))
      const after = page.after === undefined ? undefined : Result.getOrUndefined(decodeResourceId(page.after))
      const rows = yield* (yield* ResourceStore).list(kind.name, { after, limit: page.limit + 1 })
      const items = rows.slice(0, page.limit)
      return {
        items: items.map(resourceToJson),
        nextPageToken: rows.length > page.limit ? encodePageToken(items[items.length - 1]!.id) : null
      }
    })))
  const get = HttpApiBuilder.handler(template, "resource", "get", ({ params }) =>
    asRefusal(Effect.gen(function*() {
      return resourceToJson(yield* showResource(yield* Caller, kind, yield* parseResourceId(params.id)))
    })))
  const remove = HttpApiBuilder.handler(template, "resource", "remove", ({ params }) =>
    asRefusal(Effect.gen(function*() {
      const outcome = yield* deleteResource(yield* Caller, kind, yield* parseResourceId(params.id))
      return HttpApiSchema.withHeaders({ body: undefined, headers: { [DELETE_OUTCOME_HEADER]: encodeDeleteReport(deleteReportOf(outcome)) } })
    })))
  if (!kind.userComment) {
    return HttpApiBuilder.group(api as unknown as HttpApi.HttpApi<"fm", UncommentedResourceGroup>, name, (h) =>
      h.handle("list", list).handle("get", get).handle("remove", remove))
  }
  return HttpApiBuilder.group(template, name, (h) =>
    h.handle("list", list).handle("get", get).handle("remove", remove).handle("comment", ({ params, payload }) =>
      asRefusal(Effect.gen(function*() {
        const caller = yield* Caller
        const id = yield* parseResourceId(params.id)
        yield* commentResource(caller, kind, id, yield* parseComment(payload.userComment))
        return resourceToJson(yield* showResource(caller, kind, id))
      }))))
}

/** Issue 25.5: the audit record, for admins; the filters `fm audit` gives. */
const auditHandlers = (api: Api) =>
  HttpApiBuilder.group(api, "audit", (h) =>
    h.handle("list", ({ query }) =>
      asRefusal(Effect.gen(function*() {
        yield* grant("reading the audit record")
        const page = yield* decodePage(query, validCursorText)
        const filter = {
          subject: query.id === undefined ? undefined : yield* parseAuditName(query.id, "id"),
          actor: query.actor === undefined ? undefined : yield* parseAuditName(query.actor, "actor"),
          since: query.since === undefined ? undefined : yield* parseSince(query.since, "since")
        }
        const rows = yield* (yield* AuditLog).page(filter, page.after === undefined ? null : cursorOfText(page.after), page.limit + 1)
        const items = rows.slice(0, page.limit)
        const last = items[items.length - 1]
        return {
          items: items.map(auditEntryToJson),
          nextPageToken: rows.length > page.limit && last !== undefined ? encodeAuditCursor(last) : null
        }
      }))))

/** Every group's handlers for the registry's kinds. */
export const handlersLayer = (api: Api, registry: KindRegistry) =>
  Layer.mergeAll(sitrepHandlers(api, registry), inspectHandlers(api), auditHandlers(api), systemHandlers(api), ...registry.all.map((k) => kindHandlers(api, k)))
