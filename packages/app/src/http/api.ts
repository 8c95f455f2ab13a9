import {
  type Actor,
  ActivationReport,
  AUDIT_ACTIONS,
  defaultKinds,
  KindReport,
  makeCaseDocument,
  makeRegistry,
  makeSitrepDelta,
  makeSitrepDocument,
  type ResourceKind
} from "@fm-rendezvous/domain"
import { Context, Schema } from "effect"
import { DELETE_OUTCOME_HEADER } from "../shared/deleteReport.ts"
import {
  HttpApi,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpApiMiddleware,
  HttpApiSchema,
  HttpApiSecurity,
  OpenApi
} from "effect/http-api"

/**
 * The operator and planner API of SPEC 8, as data: the server (server.ts), the command line's
 * client (client.ts) and the OpenAPI document all derive from `makeApi`. This module holds no
 * server code, so a client imports it without the handlers.
 */

// SPEC 8.4: every refusal is `{ "error", "message" }`; one class per status, so the status is
// chosen by what a handler fails with (a class, not a shape: all have the same fields).
const fields = { error: Schema.String, message: Schema.String }

export class BadRequest extends Schema.Error<BadRequest>("fm/http/BadRequest")(fields, {
  httpApiStatus: 400,
  description: "Invalid input: bad JSON, a document SPEC 7.1 refuses, a bad id, version or limit, unknown fields."
}) {}
export class Unauthorized extends Schema.Error<Unauthorized>("fm/http/Unauthorized")(fields, {
  httpApiStatus: 401,
  description: "No valid token (missing, malformed, unknown, expired or revoked)."
}) {}
export class Forbidden extends Schema.Error<Forbidden>("fm/http/Forbidden")(fields, {
  httpApiStatus: 403,
  description: "The token's role may not do this."
}) {}
export class NotFound extends Schema.Error<NotFound>("fm/http/NotFound")(fields, {
  httpApiStatus: 404,
  description: "No such resource or sitrep version."
}) {}
export class Conflict extends Schema.Error<Conflict>("fm/http/Conflict")(fields, {
  httpApiStatus: 409,
  description: "The parent is not current."
}) {}
export class PayloadTooLarge extends Schema.Error<PayloadTooLarge>("fm/http/PayloadTooLarge")(fields, {
  httpApiStatus: 413,
  description: "A body over FM_MAX_BODY_BYTES."
}) {}
export class UnsupportedMediaType extends Schema.Error<UnsupportedMediaType>("fm/http/UnsupportedMediaType")(fields, {
  httpApiStatus: 415,
  description: "A body that is not application/json."
}) {}
export class InternalError extends Schema.Error<InternalError>("fm/http/InternalError")(fields, {
  httpApiStatus: 500,
  description: "An unexpected failure."
}) {}
export class Unavailable extends Schema.Error<Unavailable>("fm/http/Unavailable")(fields, {
  httpApiStatus: 503,
  description: "The database cannot be reached or timed out; retry later."
}) {}

/** The refusals any route may answer with, by status (SPEC 8.4). */
export const refusalsByStatus = new Map<number, new(props: { error: string; message: string }) => Refusal>([
  [400, BadRequest],
  [401, Unauthorized],
  [403, Forbidden],
  [404, NotFound],
  [409, Conflict],
  [413, PayloadTooLarge],
  [415, UnsupportedMediaType],
  [500, InternalError],
  [503, Unavailable]
])
/** The status a refusal is answered with. */
export const statusOf = (refusal: Refusal): number => {
  for (const [status, make] of refusalsByStatus) if (refusal instanceof make) return status
  return 500
}

const refusals = [BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PayloadTooLarge, UnsupportedMediaType, InternalError, Unavailable]

/** A refusal as a value a handler fails with: the status picks the schema it is encoded by. */
export type Refusal =
  | BadRequest
  | Unauthorized
  | Forbidden
  | NotFound
  | Conflict
  | PayloadTooLarge
  | UnsupportedMediaType
  | InternalError
  | Unavailable

/** The caller, from its bearer token (SPEC 8.2): the token's name is the actor. */
export class Caller extends Context.Service<Caller, Actor>()("fm/http/Caller") {}

export class Authenticated extends HttpApiMiddleware.Service<Authenticated, { provides: Caller }>()("fm/http/Authenticated", {
  requiredForClient: true,
  security: { bearer: HttpApiSecurity.bearer },
  // 503 while the database is away (SPEC 8.4: also while authenticating), 500 for the unexpected.
  error: [Unauthorized, Forbidden, Unavailable, InternalError]
}) {}

const Json = Schema.Unknown.pipe(Schema.annotate({ description: "A JSON value (SPEC 7.3 shapes)." }))
/** A whole number as JSON writes it: finite, so no "Infinity"/"NaN" strings in the contract. */
const Count = Schema.Finite.check(Schema.isInt())
/** A generation as JSON writes it (SPEC 7.3): a number, or a decimal string above 2^53-1. */
const GenerationJson = Schema.Union([Count, Schema.String.pipe(Schema.annotate({ description: "A generation above 2^53-1, in decimal." }))])
const page = <S extends Schema.Top>(item: S) => Schema.Struct({ items: Schema.Array(item), nextPageToken: Schema.NullOr(Schema.String) })

/**
 * A resource as `fm <kind> show --json` prints it (SPEC 7.3, render/resource.ts): the common
 * columns, `state` for kinds with a lifecycle, and the kind's own fields (its `resourceSchema`).
 */
export const resourceSchema = (kind: ResourceKind) =>
  Schema.Struct({
    id: Schema.String,
    kind: Schema.Literal(kind.name),
    caseId: Schema.NullOr(Schema.String),
    timeCreated: Schema.String,
    ...(kind.lifecycle === null ? {} : { state: Schema.optionalKey(Schema.String) }),
    ...kind.resourceSchema
  }).pipe(Schema.annotate({ title: kind.singular }))

/** One entry of the audit record (issue 25.5), as `fm audit --json` prints it. */
const AuditEntry = Schema.Struct({
  id: Schema.String,
  at: Schema.String.pipe(Schema.annotate({ description: "When it was done (ISO 8601, UTC)." })),
  actor: Schema.String.pipe(Schema.annotate({ description: "Who did it: a token's name, a direct-mode actor, fm-executor, or database-owner." })),
  action: Schema.Literals(AUDIT_ACTIONS),
  kind: Schema.NullOr(Schema.String).pipe(Schema.annotate({ description: "The resource kind, for delete and comment." })),
  subject: Schema.String.pipe(Schema.annotate({ description: "A resource id, a sitrep id, a token name, or history (prune)." })),
  version: Schema.NullOr(Count).pipe(Schema.annotate({ description: "The version a publish became." })),
  outcome: Schema.String.pipe(Schema.annotate({
    description: "published, pruned, deleted, destroying, alreadyDeleted, commented, created, revoked or alreadyRevoked."
  })),
  detail: Schema.Record(Schema.String, Schema.Unknown).pipe(Schema.annotate({ description: "Facts of the action: a prune's counts, a comment's text, a token's role, the document's creatorId." }))
})

/** SPEC 7.3 `fm explain --json` (render/explanation.ts). */
const Explanation = Schema.Struct({
  id: Schema.String,
  kind: Schema.NullOr(Schema.String).pipe(Schema.annotate({ description: "Null for an id nothing knows." })),
  exists: Schema.Boolean,
  state: Schema.NullOr(Schema.String),
  fmCreated: Schema.Boolean,
  createdAtGeneration: Schema.NullOr(GenerationJson),
  droppedAtGeneration: Schema.NullOr(GenerationJson),
  deleted: Schema.NullOr(Schema.Struct({ at: Schema.String, by: Schema.NullOr(Schema.String) })),
  requestedByCurrentSitrep: Schema.Boolean,
  markerCollectible: Schema.Boolean,
  reason: Schema.String,
  history: Schema.Array(AuditEntry).pipe(Schema.annotate({ description: "What the audit record says was done to this id, newest first (at most 20; issue 25.5)." }))
})

const Reconciled = Schema.Struct({ at: Schema.String, by: Schema.String })

/**
 * One entry of `executors` (SPEC 7.3, render/report.ts `statusReportToJson`): the domain's
 * report fields, generations as JSON writes them, each kind with its `lag` and `lastReconciled`.
 */
const StatusKind = Schema.Struct({
  ...KindReport.fields,
  generation: Schema.NullOr(GenerationJson),
  currentGeneration: Schema.NullOr(GenerationJson),
  executedThrough: Schema.NullOr(GenerationJson),
  lag: Schema.NullOr(Count).pipe(Schema.annotate({ description: "How far execution trailed the current generation at activation." })),
  lastReconciled: Schema.NullOr(Reconciled)
})
const SitrepRef = Schema.Struct({ id: Schema.String, version: Count })
/** Issue 25.7: the process behind an executor name, from its lease (render/process.ts). */
const ExecutorProcess = Schema.Struct({
  host: Schema.String,
  pid: Count,
  instance: Schema.String,
  state: Schema.Literals(["running", "stopped", "expired"]).pipe(Schema.annotate({
    description: "running: the lease is live; stopped: released as the process stopped; expired: it stopped renewing (killed, or cut off from the database)."
  })),
  live: Schema.Boolean,
  startedAt: Schema.String,
  renewedAt: Schema.String,
  expiresAt: Schema.String,
  releasedAt: Schema.NullOr(Schema.String)
})
const StatusReport = Schema.Struct({
  ...ActivationReport.fields,
  sitrep: SitrepRef,
  currentSitrep: Schema.NullOr(SitrepRef),
  kinds: Schema.Record(Schema.String, StatusKind),
  // Null when no process held the name since leases exist; absent from a server before them.
  process: Schema.optional(Schema.NullOr(ExecutorProcess))
})

/**
 * A body the handler decodes itself (with the use case's own schema, so refusals are its sentences,
 * SPEC 7.1) and that the OpenAPI document types with that schema's JSON form.
 */
const bodyDocumentedAs = (schema: Schema.Top, description: string) => (op: Record<string, any>) => {
  const { schema: json, definitions } = Schema.toJsonSchemaDocument(schema as never, { onExcessProperty: "error" }) as { schema: object; definitions: object }
  if (Object.keys(definitions).length > 0) throw new Error("a documented body must not need definitions")
  return { ...op, requestBody: { ...op["requestBody"], description, content: { "application/json": { schema: json } } } }
}

const pageQuery = {
  limit: Schema.optional(Schema.String).pipe(Schema.annotate({ description: "1..1000, default 100." })),
  page_token: Schema.optional(Schema.String).pipe(Schema.annotate({ description: "The nextPageToken of the previous page." }))
}
const idParams = { id: Schema.String }

/** A kind's path segment: its plural in kebab case (SPEC 8.3: `alerts`, `support-bundles`). */
export const kindPath = (kind: ResourceKind): string => kind.plural.trim().toLowerCase().replace(/[^a-z0-9]+/g, "-")

/** A kind's group name, the key of its client methods. */
export const kindGroup = (kind: ResourceKind): string => kindPath(kind)

const Deleted = HttpApiSchema.WithHeaders(HttpApiSchema.NoContent, {
  [DELETE_OUTCOME_HEADER]: Schema.String.pipe(Schema.annotate({
    description:
      "What the delete did (SPEC 3.2), as `fm <kind> delete --json` says it: an RFC 9651 structured item, the outcome (deleted, destroying or alreadyDeleted) with its details as parameters, e.g. `deleted;fm-created`, `destroying;state=\"destroying\";fm-created`, `alreadyDeleted;deleted-at=\"2026-11-24T10:00:00.000Z\";deleted-by=\"alice\"`."
  }))
})

/** The role a route needs (SPEC 8.2), said in the OpenAPI document: its description and `x-fm-role`. */
const needs = (role: "viewer" | "admin") =>
  OpenApi.annotations({
    description: role === "admin" ? "Needs an admin token (SPEC 8.2)." : "Needs a live token, viewer or admin (SPEC 8.2).",
    override: { "x-fm-role": role }
  })

// A kind's endpoints, for the schema of its rows: the template's (typed as any JSON, what
// handlers and clients see) and each kind's own (what the server encodes and the document says).
const listOf = <S extends Schema.Top>(row: S) =>
  HttpApiEndpoint.get("list", "/", { query: pageQuery, success: page(row), error: refusals }).annotateMerge(needs("viewer"))
const getOf = <S extends Schema.Top>(row: S) => HttpApiEndpoint.get("get", "/:id", { params: idParams, success: row, error: refusals }).annotateMerge(needs("viewer"))
const removeEndpoint = HttpApiEndpoint.delete("remove", "/:id", { params: idParams, success: Deleted, error: refusals }).annotateMerge(needs("admin"))
const commentOf = <S extends Schema.Top>(row: S) =>
  HttpApiEndpoint.put("comment", "/:id", {
    params: idParams,
    payload: Schema.Struct({ userComment: Schema.String }),
    success: row,
    error: refusals
  }).annotateMerge(needs("admin"))
const listEndpoint = listOf(Json)
const getEndpoint = getOf(Json)
const commentEndpoint = commentOf(Json)

/**
 * Every kind's group has these endpoints (comment only for kinds with a user comment); its name
 * is registry data, so clients reach a kind's group through this type (client.ts).
 */
const resourceTemplate = <const Name extends string>(name: Name) =>
  HttpApiGroup.make(name).add(listEndpoint, getEndpoint, removeEndpoint, commentEndpoint).middleware(Authenticated)
export type ResourceGroup = ReturnType<typeof resourceTemplate<"resource">>
const uncommentedTemplate = <const Name extends string>(name: Name) =>
  HttpApiGroup.make(name).add(listEndpoint, getEndpoint, removeEndpoint).middleware(Authenticated)
/** The group of a kind without a user comment (no comment route): what its handlers are typed by. */
export type UncommentedResourceGroup = ReturnType<typeof uncommentedTemplate<"resource">>

/**
 * The routes of one resource kind, from its descriptor alone (no route code per kind): the
 * template's endpoints, their answers typed by the kind's own resource schema.
 */
const resourceGroup = (kind: ResourceKind) => {
  const Row = resourceSchema(kind)
  const base = HttpApiGroup.make(kindGroup(kind)).add(listOf(Row), getOf(Row), removeEndpoint)
  const group = kind.userComment ? base.add(commentOf(Row)) : base
  return group.prefix(`/v1/${kindPath(kind)}`).middleware(Authenticated).annotateMerge(
    OpenApi.annotations({ title: kind.plural, description: `Operator view and delete of ${kind.plural}.` })
  )
}

const Published = Schema.Struct({
  id: Schema.String,
  version: Count,
  generations: Schema.Record(Schema.String, Count),
  alreadyPublished: Schema.Boolean.pipe(Schema.annotate({ description: "True when this very document had been published before (a retry): nothing was written." }))
})

/** The sitreps routes, typed from the document schemas of the kinds' registry (SPEC 7.1, 7.1a). */
const sitrepsGroup = (kinds: ReadonlyArray<ResourceKind>) => {
  const registry = makeRegistry(kinds)
  const header = {
    id: Schema.String,
    parentId: Schema.NullOr(Schema.String),
    version: Count,
    creatorId: Schema.String.pipe(Schema.annotate({ description: "The planner's own label, as the document gave it (SPEC 7.1); not who published." })),
    publishedBy: Schema.NullOr(Schema.String).pipe(Schema.annotate({
      description: "Who published it (issue 25.4): the token's name (API) or the direct-mode actor; null for sitreps published before it was recorded."
    })),
    timeCreated: Schema.String,
    comment: Schema.String,
    generations: Schema.Record(Schema.String, GenerationJson)
  }
  const Entry = Schema.Struct(header)
  const Stored = Schema.Struct({ ...header, cases: Schema.Array(Schema.toEncoded(makeCaseDocument(registry))) })
    .pipe(Schema.annotate({ description: "A stored sitrep: the document of SPEC 7.1 plus its version and the time it was published." }))
  const body = bodyDocumentedAs(
    Schema.Union([makeSitrepDocument(registry), makeSitrepDelta(registry)]),
    "A sitrep document (SPEC 7.1) or a delta document against the current sitrep (SPEC 7.1a, told apart by `changes`); docs/DOCUMENTS.md."
  )
  return HttpApiGroup.make("sitreps").add(
  HttpApiEndpoint.post("publish", "/", { payload: Json, success: Published.pipe(HttpApiSchema.status(201)), error: refusals })
    .annotate(OpenApi.Transform, body).annotateMerge(needs("admin")),
  HttpApiEndpoint.get("history", "/", { query: pageQuery, success: page(Entry), error: refusals }).annotateMerge(needs("viewer")),
  HttpApiEndpoint.get("current", "/current", { success: Stored, error: refusals }).annotateMerge(needs("viewer")),
  HttpApiEndpoint.get("byVersion", "/:version", { params: { version: Schema.String }, success: Stored, error: refusals }).annotateMerge(needs("viewer")),
  HttpApiEndpoint.post("prune", "/prune", {
    payload: Schema.Struct({ keep: Count }),
    // SPEC 8.3's two counts, and what `fm sitrep prune --json` prints besides (the same document):
    // the keep it pruned to, pages, and what history holds now.
    success: Schema.Struct({
      keep: Count,
      removedVersions: Count,
      removedSitreps: Count,
      pages: Count,
      history: Schema.NullOr(Schema.Struct({ oldest: Count, newest: Count }))
    }),
    error: refusals
  }).annotateMerge(needs("admin"))
).prefix("/v1/sitreps").middleware(Authenticated)
}

const inspect = HttpApiGroup.make("inspect").add(
  HttpApiEndpoint.get("explain", "/explain/:id", { params: idParams, success: Explanation, error: refusals }).annotateMerge(needs("viewer")),
  HttpApiEndpoint.get("status", "/status", {
    // The document `fm status --json` prints (render/report.ts statusToJson).
    success: Schema.Struct({
      currentSitrep: Schema.NullOr(SitrepRef),
      executors: Schema.Array(StatusReport),
      /** Issue 18: when each kind was last reconciled, by anyone: `{ kind: { at, by } }`. */
      reconciled: Schema.optional(Schema.Record(Schema.String, Reconciled))
    }),
    error: refusals
  }).annotateMerge(needs("viewer")),
  // Issue 25: an old executor's report and ended lease removed; 409 while a live process holds the name.
  HttpApiEndpoint.delete("forgetExecutor", "/status/executors/:name", {
    params: { name: Schema.String },
    success: HttpApiSchema.NoContent,
    error: refusals
  }).annotateMerge(needs("admin")),
  HttpApiEndpoint.get("history", "/status/history", {
    // What the console charts: fm serve's samples of the last hour (http/history.ts), oldest first.
    success: Schema.Struct({
      periodSeconds: Schema.Finite,
      samples: Schema.Array(Schema.Struct({
        at: Schema.String,
        currentVersion: Schema.NullOr(Count),
        kinds: Schema.Record(Schema.String, Schema.Struct({
          lag: Schema.NullOr(Count),
          awaiting: Count,
          oldestAgeSeconds: Schema.Finite
        }))
      }))
    }).pipe(Schema.annotate({
      description: "Execution lag and collection backlog per kind over the last hour, sampled by fm serve every FM_STATUS_SAMPLE_PERIOD (15 s)."
    })),
    error: refusals
  }).annotateMerge(needs("viewer")),
  HttpApiEndpoint.get("me", "/me", {
    success: Schema.Struct({ name: Schema.String, role: Schema.Literals(["admin", "viewer"]) }),
    error: refusals
  }).annotateMerge(needs("viewer"))
).prefix("/v1").middleware(Authenticated)

/** The audit record (issue 25.5): admin only, newest first, one index-backed statement per page. */
const audit = HttpApiGroup.make("audit").add(
  HttpApiEndpoint.get("list", "/", {
    query: {
      ...pageQuery,
      id: Schema.optional(Schema.String).pipe(Schema.annotate({ description: "Only entries about this resource id, sitrep id or token name." })),
      actor: Schema.optional(Schema.String).pipe(Schema.annotate({ description: "Only entries by this actor." })),
      since: Schema.optional(Schema.String).pipe(Schema.annotate({ description: "Only entries at or after this time (ISO 8601), or this long ago (24h, 7d)." }))
    },
    success: page(AuditEntry),
    error: refusals
  }).annotateMerge(needs("admin"))
).prefix("/v1/audit").middleware(Authenticated).annotateMerge(
  OpenApi.annotations({ title: "audit", description: "The audit record of operator actions (publish, prune, delete, comment, token create and revoke)." })
)

/** The Prometheus text exposition format (SPEC 9). */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

// No token needed for these (SPEC 8.3); they are in the definition so the document lists them.
const system = HttpApiGroup.make("system").add(
  HttpApiEndpoint.get("healthz", "/healthz", { success: Schema.Struct({ status: Schema.Literal("ok") }) }),
  HttpApiEndpoint.get("readyz", "/readyz", { success: Schema.Struct({ status: Schema.Literal("ready") }), error: Unavailable }),
  HttpApiEndpoint.get("metrics", "/metrics", {
    success: Schema.String.pipe(
      HttpApiSchema.asText({ contentType: METRICS_CONTENT_TYPE }),
      Schema.annotate({ description: "The metrics of SPEC 9 in the Prometheus text format." })
    )
  }),
  HttpApiEndpoint.get("openapi", "/openapi.json", {
    success: Json.pipe(Schema.annotate({ description: "This OpenAPI 3 document." }))
  })
)

/** The whole API for a registry of kinds; unknown JSON fields are refused (SPEC 8.4). */
export const makeApi = (kinds: ReadonlyArray<ResourceKind> = defaultKinds) => {
  const core = HttpApi.make("fm").add(sitrepsGroup(kinds), inspect, audit, system)
  // Kind groups have names known only at run time; their type is the registry's, not a literal.
  const withKinds = kinds.reduce((api, kind) => api.add(resourceGroup(kind) as never), core as typeof core)
  return withKinds
    .annotate(HttpApi.ParseOptions, { onExcessProperty: "error" })
    .annotate(HttpApi.HeadersParseOptions, {})
    .annotateMerge(OpenApi.annotations({
      title: "fm-rendezvous",
      version: "1",
      description: "The operator and planner API of fm-rendezvous (SPEC 8)."
    }))
}

export type Api = ReturnType<typeof makeApi>
