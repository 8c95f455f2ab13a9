import { decodeResourceId, type ResourceKind } from "@fm-rendezvous/domain"
import { Effect, Option, Result } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { renderResource, renderResourceList, resourceToJson } from "../../render/resource.ts"
import { Operations } from "../operations.ts"
import type { DeleteReport } from "../../shared/deleteReport.ts"
import { decodePageToken, DEFAULT_LIMIT, encodePageToken } from "../../shared/pages.ts"
import { Usage } from "../../shared/failure.ts"
import { Output, writeStderr } from "../output.ts"
import { parseComment, parseResourceId } from "../../shared/input.ts"
import { hasApi } from "../globalFlags.ts"
import { withOperations } from "../session.ts"

/**
 * The operator commands of one resource kind (SPEC 7.2: `fm alert ...`, `fm bundle ...`), built
 * from the kind's descriptor: main.ts builds one per registered kind. They run on the database
 * or through the API alike (operations.ts).
 */
const idArgument = Argument.String("id").pipe(Argument.withDescription("The resource id (a UUID)."))

/** The sentence for what a delete did, from the report its --json document prints (direct or remote alike). */
const deleteSentence = (kind: ResourceKind, report: DeleteReport): string => {
  switch (report.outcome) {
    case "deleted":
      return report.fmCreated === null
        ? `Deleted ${kind.singular} (or it was deleted already); FM will not re-create it.`
        : `Deleted ${kind.singular}${report.fmCreated ? "; its creation marker is now a tombstone" : " (FM did not create it; a tombstone now stands for it)"}, so FM will not re-create it.`
    case "destroying":
      return `The ${kind.singular} is being destroyed (state ${report.state}); the collector removes it, and its tombstone keeps FM from re-creating it.`
    case "alreadyDeleted":
      return `The ${kind.singular} was already deleted${report.deletedAt === null ? "" : ` at ${report.deletedAt}`}${report.deletedBy === null ? "" : ` by ${report.deletedBy}`}; nothing changed.`
    case "notFound":
      return `There is no ${kind.singular} with that id.`
  }
}

/** A kind's command: the last word of its singular (`fm alert`, `fm bundle`, `fm widget`). */
export const commandNameOf = (kind: ResourceKind): string => kind.singular.trim().split(/\s+/).pop()!.toLowerCase()

export const resourceCommand = (kind: ResourceKind) => {
  const list = Command.make(
    "list",
    {
      limit: Flag.Int("limit").pipe(Flag.withDescription("At most this many (default 100)."), Flag.optional),
      all: Flag.Boolean("all").pipe(Flag.withDescription("Every one, however many (instead of --limit)."), Flag.withDefault(false)),
      after: Flag.String("after").pipe(Flag.withDescription("Start after this id (paging)."), Flag.optional),
      pageToken: Flag.String("page-token").pipe(Flag.withDescription("Continue where a list ended (the nextPageToken of its --json output)."), Flag.optional)
    },
    ({ all, limit, after, pageToken }) =>
      withOperations(Effect.gen(function*() {
        const output = yield* Output
        if (Option.isSome(limit) && !(limit.value >= 1)) {
          return yield* new Usage({ message: `--limit takes a whole number of 1 or more, not ${limit.value}; --all lists every one.` })
        }
        if (all && Option.isSome(limit)) return yield* new Usage({ message: "Give --limit or --all, not both." })
        if (Option.isSome(after) && Option.isSome(pageToken)) return yield* new Usage({ message: "Give --after or --page-token, not both." })
        const afterId = Option.isSome(after)
          ? yield* parseResourceId(after.value)
          : Option.isSome(pageToken)
          ? yield* parseResourceId(yield* decodePageToken(pageToken.value, (a) => Result.isSuccess(decodeResourceId(a))))
          : undefined
        const wanted = all ? undefined : Option.getOrElse(limit, () => DEFAULT_LIMIT)
        const page = yield* (yield* Operations).list(kind, wanted, afterId)
        const last = page.rows[page.rows.length - 1]
        const nextPageToken = page.more && last !== undefined ? encodePageToken(last.id) : null
        yield* output.emit({ items: page.rows.map(resourceToJson), nextPageToken }, () => renderResourceList(kind, page.rows))
        if (nextPageToken !== null) {
          yield* writeStderr(
            `Showing the first ${page.rows.length} ${kind.plural}; there are more: --all lists every one, --page-token ${nextPageToken} (the nextPageToken of --json) or --after ${last!.id} continues.`
          )
        }
      }))
  ).pipe(Command.withDescription(`List ${kind.plural}, in id order.`), hasApi)

  const show = Command.make("show", { id: idArgument }, ({ id }) =>
    withOperations(Effect.gen(function*() {
      const output = yield* Output
      const row = yield* (yield* Operations).show(kind, yield* parseResourceId(id))
      yield* output.emit(resourceToJson(row), () => renderResource(kind, row))
    }))).pipe(Command.withDescription(`Show one ${kind.singular}; exit 1 when there is none.`), hasApi)

  const remove = Command.make("delete", { id: idArgument }, ({ id }) =>
    withOperations(Effect.gen(function*() {
      const output = yield* Output
      const operations = yield* Operations
      const resourceId = yield* parseResourceId(id)
      const report = yield* operations.remove(kind, resourceId)
      // The report's fields are the API's fm-delete-outcome header's (shared/deleteReport.ts).
      yield* output.emit({ id: resourceId, kind: kind.name, ...report, by: operations.actorName }, () => deleteSentence(kind, report))
    }))).pipe(Command.withDescription(`Delete a ${kind.singular} (admin); FM never re-creates one it created.`), hasApi)

  const subcommands = [list, show, remove]
  const comment = Command.make(
    "comment",
    { id: idArgument, text: Argument.String("text").pipe(Argument.withDescription("The comment.")) },
    ({ id, text }) =>
      withOperations(Effect.gen(function*() {
        const output = yield* Output
        const resourceId = yield* parseResourceId(id)
        yield* (yield* Operations).comment(kind, resourceId, yield* parseComment(text))
        yield* output.emit({ id: resourceId, kind: kind.name, userComment: text }, () => `Comment set on ${kind.singular} ${resourceId}.`)
      }))
  ).pipe(Command.withDescription(`Attach an operator comment to a ${kind.singular} (admin).`), hasApi)

  return Command.make(commandNameOf(kind)).pipe(
    Command.withDescription(`Operator view and delete of ${kind.plural}.`),
    Command.withSubcommands(kind.userComment ? [...subcommands, comment] : subcommands),
    hasApi
  )
}
