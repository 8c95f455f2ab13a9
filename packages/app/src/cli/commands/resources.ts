import {
  type Actor,
  Authorization,
  commentResource,
  deleteResource,
  type DeleteOutcome,
  type ResourceKind,
  ResourceStore,
  showResource
} from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { renderResource, renderResourceList, resourceToJson } from "../../render/resource.ts"
import { actorOf, fm } from "../globalFlags.ts"
import { Output } from "../output.ts"
import { parseComment, parseResourceId, withStores } from "../session.ts"

/**
 * The operator commands of one resource kind (SPEC 7.2: `fm alert ...`, `fm bundle ...`), built
 * from the kind's descriptor: main.ts builds one per registered kind.
 */
const idArgument = Argument.String("id").pipe(Argument.withDescription("The resource id (a UUID)."))

const actor = Effect.map(fm, actorOf)

const deleteWords = (kind: ResourceKind, outcome: DeleteOutcome): { outcome: string; sentence: string } => {
  switch (outcome._tag) {
    case "Remove":
      return { outcome: "deleted", sentence: `Deleted ${kind.singular}${outcome.stampMarker ? "; its creation marker is now a tombstone, so FM will not re-create it" : " (FM did not create it)"}.` }
    case "BeginDestroying":
      return { outcome: "destroying", sentence: `The ${kind.singular} is being destroyed (state ${outcome.state}); the collector removes it${outcome.stampMarker ? ", and its tombstone keeps FM from re-creating it" : ""}.` }
    case "AlreadyDeleted":
      return {
        outcome: "alreadyDeleted",
        sentence: `The ${kind.singular} was already deleted${outcome.at === null ? "" : ` at ${outcome.at.toISOString()}`}${outcome.by === null ? "" : ` by ${outcome.by}`}; nothing changed.`
      }
    case "NotFound":
      return { outcome: "notFound", sentence: `There is no ${kind.singular} with that id.` }
  }
}

/** A kind's command: the last word of its singular (`fm alert`, `fm bundle`, `fm widget`). */
export const commandNameOf = (kind: ResourceKind): string => kind.singular.trim().split(/\s+/).pop()!.toLowerCase()

export const resourceCommand = (kind: ResourceKind) => {
  const commandName = commandNameOf(kind)
  const list = Command.make(
    "list",
    {
      limit: Flag.Int("limit").pipe(Flag.withDescription("At most this many (default 100)."), Flag.withDefault(100)),
      after: Flag.String("after").pipe(Flag.withDescription("Start after this id (paging)."), Flag.optional)
    },
    ({ limit, after }) =>
      withStores(Effect.gen(function*() {
        const output = yield* Output
        yield* (yield* Authorization).requireViewer(yield* actor, `reading ${kind.plural}`)
        const afterId = Option.isSome(after) ? yield* parseResourceId(after.value) : undefined
        const rows = yield* (yield* ResourceStore).list(kind.name, { after: afterId, limit: Math.max(1, limit) })
        yield* output.emit(rows.map(resourceToJson), () => renderResourceList(kind, rows))
      }))
  ).pipe(Command.withDescription(`List ${kind.plural}, in id order.`))

  const show = Command.make("show", { id: idArgument }, ({ id }) =>
    withStores(Effect.gen(function*() {
      const output = yield* Output
      const row = yield* showResource(yield* actor, kind, yield* parseResourceId(id))
      yield* output.emit(resourceToJson(row), () => renderResource(kind, row))
    }))).pipe(Command.withDescription(`Show one ${kind.singular}; exit 1 when there is none.`))

  const remove = Command.make("delete", { id: idArgument }, ({ id }) =>
    withStores(Effect.gen(function*() {
      const output = yield* Output
      const who: Actor | null = yield* actor
      const resourceId = yield* parseResourceId(id)
      const outcome = yield* deleteResource(who, kind, resourceId)
      const words = deleteWords(kind, outcome)
      yield* output.emit({ id: resourceId, kind: kind.name, outcome: words.outcome, by: who?.name ?? null }, () => words.sentence)
    }))).pipe(Command.withDescription(`Delete a ${kind.singular} (admin); FM never re-creates one it created.`))

  const subcommands = [list, show, remove]
  const comment = Command.make(
    "comment",
    { id: idArgument, text: Argument.String("text").pipe(Argument.withDescription("The comment.")) },
    ({ id, text }) =>
      withStores(Effect.gen(function*() {
        const output = yield* Output
        const resourceId = yield* parseResourceId(id)
        yield* commentResource(yield* actor, kind, resourceId, yield* parseComment(text))
        yield* output.emit({ id: resourceId, kind: kind.name, userComment: text }, () => `Comment set on ${kind.singular} ${resourceId}.`)
      }))
  ).pipe(Command.withDescription(`Attach an operator comment to a ${kind.singular} (admin).`))

  return Command.make(commandName).pipe(
    Command.withDescription(`Operator view and delete of ${kind.plural}.`),
    Command.withSubcommands(kind.userComment ? [...subcommands, comment] : subcommands)
  )
}
