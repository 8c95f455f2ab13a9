import type { CliError } from "effect/cli"
import type { EmbeddedDatabaseError } from "../database/embedded.ts"
import type { Failure } from "../shared/failure.ts"
import {
  type AuditCursor,
  type AuditEntry,
  type AuditFilter,
  AuditLog,
  Authorization,
  commentResource,
  deleteResource,
  type Explanation,
  explain,
  type Generation,
  type HistoryEntry,
  pruneHistory,
  publishSitrep,
  type Resource,
  type ResourceId,
  type ResourceKind,
  ResourceStore,
  showResource,
  type Sitrep,
  SitrepHistory,
  SitrepStore,
  type SitrepVersion
} from "@fm-rendezvous/domain"
import { Context, Effect, Layer, Option } from "effect"
import { ExecutorSettings } from "../config.ts"
import type { Stores } from "../database/stores.ts"
import { actorOf, type GlobalOptions } from "./globalFlags.ts"
import { type DeleteReport, deleteReportOf } from "../shared/deleteReport.ts"
import { forgetExecutor, readStatusView, type StatusView } from "../shared/executors.ts"
import { lookUpSitrep } from "../shared/sitrepLookup.ts"
import type { AuditPage } from "../shared/audit.ts"

/**
 * What the operator commands do, in one interface with two implementations (SPEC 8.5): direct
 * (the use cases over the database, the actor from --actor/--role) and remote (the API, the
 * actor from the token; remote.ts). Commands render the same domain values either way, so the
 * text, the --json documents and the exit codes are the same in both modes.
 */
export interface PruneOutcome {
  readonly keep: number
  /** SPEC 8.3's names in both modes (the domain's PruneResult calls them historyRemoved/sitrepsRemoved). */
  readonly removedVersions: number
  readonly removedSitreps: number
  /** Null only from a server that answers SPEC 8.3's two counts alone. */
  readonly pages: number | null
  readonly history: { readonly oldest: SitrepVersion; readonly newest: SitrepVersion } | null
}

export interface Published {
  readonly id: string
  readonly version: SitrepVersion
  readonly generations: Readonly<Record<string, Generation>>
  /** The same document had been published before (a retry): nothing was written. */
  readonly alreadyPublished: boolean
}


/** What a list found: the rows, and whether more follow the last of them. */
export interface ListPage {
  readonly rows: ReadonlyArray<Resource>
  readonly more: boolean
}

/** What a page of sitrep history found (`fm sitrep list`): newest first, and whether older ones follow. */
export interface HistoryPage {
  readonly rows: ReadonlyArray<HistoryEntry>
  readonly more: boolean
}

/** Rows fetched per statement (or API page) while a list follows its cursor. */
export const LIST_PAGE = 1000

/**
 * The one cursor loop of both modes: pages of at most LIST_PAGE after the last row seen, until
 * `limit` rows (or, with no limit, the end). `fetch` answers the rows after a cursor and whether
 * more follow them; `cursorOf` is where the next page starts after a row.
 */
export const followCursor = <Row, C, E>(
  limit: number | undefined,
  after: C | undefined,
  cursorOf: (row: Row) => C,
  fetch: (want: number, after: C | undefined) => Effect.Effect<{ readonly rows: ReadonlyArray<Row>; readonly more: boolean }, E>
): Effect.Effect<{ rows: Array<Row>; more: boolean }, E> =>
  Effect.gen(function*() {
    const rows: Array<Row> = []
    let cursor = after
    for (;;) {
      const want = limit === undefined ? LIST_PAGE : Math.min(LIST_PAGE, limit - rows.length)
      const page = yield* fetch(want, cursor)
      rows.push(...page.rows.slice(0, want))
      if (!page.more || rows.length === 0) return { rows, more: page.more && rows.length > 0 }
      if (limit !== undefined && rows.length >= limit) return { rows, more: true }
      cursor = cursorOf(rows[rows.length - 1]!)
    }
  })

/** `followCursor` over the audit record, newest first (issue 25.5). */
export const followAuditPages = <E>(
  filter: AuditFilter,
  limit: number | undefined,
  after: AuditCursor | null,
  fetch: (filter: AuditFilter, want: number, after: AuditCursor | null) => Effect.Effect<AuditPage, E>
): Effect.Effect<AuditPage, E> =>
  Effect.map(
    followCursor(limit, after ?? undefined, (e: AuditEntry): AuditCursor => ({ at: e.at, id: e.id }), (want, cursor) =>
      Effect.map(fetch(filter, want, cursor ?? null), (page) => ({ rows: page.entries, more: page.more }))),
    (page) => ({ entries: page.rows, more: page.more })
  )

/** `followCursor` over resources, in id order. */
export const followPages = <E>(
  limit: number | undefined,
  after: ResourceId | undefined,
  fetch: (want: number, after: ResourceId | undefined) => Effect.Effect<ListPage, E>
): Effect.Effect<ListPage, E> => followCursor(limit, after, (row: Resource) => row.id, fetch)


/** What an operator command can fail with, in either mode: typed to the edge (verdictOf). */
export type OperationError = Exclude<Failure, CliError.CliError | EmbeddedDatabaseError>

export class Operations extends Context.Service<Operations, {
  readonly publish: (document: unknown) => Effect.Effect<Published, OperationError>
  readonly sitrep: (version: Option.Option<number>, flag: string) => Effect.Effect<Sitrep, OperationError>
  /** Up to `limit` history entries older than `before` (newest first; every one when undefined). */
  readonly history: (limit: number | undefined, before: SitrepVersion | undefined) => Effect.Effect<HistoryPage, OperationError>
  readonly prune: (
    keep: Option.Option<number>,
    onPage: (soFar: { historyRemoved: number; sitrepsRemoved: number; pages: number }) => Effect.Effect<void>
  ) => Effect.Effect<PruneOutcome, OperationError>
  /** Up to `limit` rows after `after` (every row when undefined), following pages as needed. */
  readonly list: (kind: ResourceKind, limit: number | undefined, after: ResourceId | undefined) => Effect.Effect<ListPage, OperationError>
  readonly show: (kind: ResourceKind, id: ResourceId) => Effect.Effect<Resource, OperationError>
  readonly remove: (kind: ResourceKind, id: ResourceId) => Effect.Effect<DeleteReport, OperationError>
  readonly comment: (kind: ResourceKind, id: ResourceId, text: string) => Effect.Effect<void, OperationError>
  readonly explain: (id: ResourceId) => Effect.Effect<Explanation, OperationError>
  readonly status: Effect.Effect<StatusView, OperationError>
  /** Issue 25.5: up to `limit` audit entries after `after` (every one when undefined), newest first. */
  readonly audit: (filter: AuditFilter, limit: number | undefined, after: AuditCursor | null) => Effect.Effect<AuditPage, OperationError>
  /** Issue 25: an old executor's report and ended lease removed (admin; refused while it runs). */
  readonly forgetExecutor: (executor: string) => Effect.Effect<void, OperationError>
  /** Who acts, for the --json documents that name it. */
  readonly actorName: string | null
}>()("fm/app/Operations") {}

/** Direct mode: the use cases over the stores, as `fm` has always run them. */
export const directOperations = (global: GlobalOptions) =>
  Layer.effect(
    Operations,
    Effect.gen(function*() {
      const context = yield* Effect.context<Stores>()
      const actor = actorOf(global)
      const run = <A, E>(effect: Effect.Effect<A, E, Stores>) => Effect.provideContext(effect, context)
      return Operations.of({
        actorName: actor?.name ?? null,
        publish: (document) =>
          run(Effect.gen(function*() {
            const grant = yield* (yield* Authorization).requireAdmin(actor, "publishing a sitrep")
            return yield* publishSitrep(grant, document)
          })),
        sitrep: (version, flag) => run(lookUpSitrep(version, flag)),
        history: (limit, before) =>
          run(Effect.gen(function*() {
            yield* (yield* Authorization).requireViewer(actor, "reading sitreps")
            const history = yield* SitrepHistory
            return yield* followCursor(limit, before, (e: HistoryEntry) => e.version, (want, cursor) =>
              Effect.map(history.page(cursor ?? null, want + 1), (rows) => ({ rows: rows.slice(0, want), more: rows.length > want })))
          })),
        prune: (keepFlag, onPage) =>
          run(Effect.gen(function*() {
            const settings = yield* ExecutorSettings
            const grant = yield* (yield* Authorization).requireAdmin(actor, "pruning sitrep history")
            const keep = Option.getOrElse(keepFlag, () => settings.historyToKeep)
            const result = yield* pruneHistory(grant, keep, settings.sweepPageSize, onPage)
            const history = Option.getOrNull(yield* (yield* SitrepStore).historyRange)
            return { keep, removedVersions: result.historyRemoved, removedSitreps: result.sitrepsRemoved, pages: result.pages, history }
          })),
        list: (kind, limit, after) =>
          run(Effect.gen(function*() {
            yield* (yield* Authorization).requireViewer(actor, `reading ${kind.plural}`)
            const store = yield* ResourceStore
            return yield* followPages(limit, after, (want, cursor) =>
              Effect.map(store.list(kind.name, { after: cursor, limit: want + 1 }), (rows) => ({ rows: rows.slice(0, want), more: rows.length > want })))
          })),
        show: (kind, id) => run(showResource(actor, kind, id)),
        remove: (kind, id) => run(Effect.map(deleteResource(actor, kind, id), deleteReportOf)),
        comment: (kind, id, text) => run(commentResource(actor, kind, id, text)),
        explain: (id) => run(explain(id)),
        forgetExecutor: (executor) => run(forgetExecutor(actor, executor)),
        status: run(readStatusView),
        // Direct mode reads like the other direct reads (the database's owner may read it all);
        // GET /v1/audit is for admin tokens.
        audit: (filter, limit, after) =>
          run(Effect.gen(function*() {
            yield* (yield* Authorization).requireViewer(actor, "reading the audit record")
            const log = yield* AuditLog
            return yield* followAuditPages(filter, limit, after, (f, want, cursor) =>
              Effect.map(log.page(f, cursor, want + 1), (rows) => ({ entries: rows.slice(0, want), more: rows.length > want })))
          }))
      })
    })
  )
