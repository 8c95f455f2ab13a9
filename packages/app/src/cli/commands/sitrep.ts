import * as fs from "node:fs"
import { InvalidInput, isSitrepDelta, Kinds, type SitrepVersion } from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { historyEntryToJson, renderHistory, sitrepToJson, renderSitrep } from "../../render/sitrep.ts"
import { plural } from "../../render/table.ts"
import { Usage } from "../../shared/failure.ts"
import { decodePageToken, DEFAULT_LIMIT, encodePageToken, isVersionCursor } from "../../shared/pages.ts"
import { parseJsonText } from "../../shared/jsonSyntax.ts"
import { Output, writeStderr } from "../output.ts"
import { Operations } from "../operations.ts"
import { hasApi } from "../globalFlags.ts"
import { withOperations } from "../session.ts"

/** Reads the document of SPEC 7.1 from a file or stdin; unreadable or non-JSON input is exit 2. */
const readDocument = (file: string) =>
  Effect.try({
    try: () => fs.readFileSync(file === "-" ? 0 : file),
    catch: (e) =>
      new InvalidInput({
        message: `Cannot read ${file === "-" ? "the sitrep document from stdin" : file}: ${
          (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message
        }.`
      })
  }).pipe(
    Effect.flatMap((bytes) =>
      Effect.try({
        // A lenient decoder would turn invalid bytes into U+FFFD and store them: refuse instead.
        try: () => new TextDecoder("utf-8", { fatal: true }).decode(bytes),
        catch: () => new InvalidInput({ message: `${file === "-" ? "stdin" : file} is not valid UTF-8.` })
      })
    ),
    Effect.flatMap((textContent) => parseJsonText(textContent, file === "-" ? "stdin" : file))
  )

/** SPEC 7.1a: `--delta` reads a delta document; each form is refused where the other is expected. */
const checkForm = (file: string, document: unknown, delta: boolean) => {
  const name = file === "-" ? "stdin" : file
  if (delta && !isSitrepDelta(document)) {
    return Effect.fail(new InvalidInput({ message: `${name} is not a delta document: it has no changes field (publish a full document without --delta).` }))
  }
  if (!delta && isSitrepDelta(document)) {
    return Effect.fail(new InvalidInput({ message: `${name} is a delta document (it has a changes field): publish it with --delta.` }))
  }
  return Effect.void
}

const publish = Command.make(
  "publish",
  {
    file: Argument.String("file").pipe(Argument.withDescription("The sitrep document (JSON), or - for stdin.")),
    delta: Flag.Boolean("delta").pipe(
      Flag.withDescription("The file is a delta document against the current sitrep (SPEC 7.1a, docs/DOCUMENTS.md)."),
      Flag.withDefault(false)
    )
  },
  ({ file, delta }) =>
    withOperations(Effect.gen(function*() {
      const output = yield* Output
      const kinds = yield* Kinds
      const operations = yield* Operations
      const document = yield* readDocument(file)
      yield* checkForm(file, document, delta)
      const published = yield* operations.publish(document)
      const generations = Object.fromEntries(Object.entries(published.generations).map(([k, g]) => [k, g]))
      yield* output.emit({ id: published.id, version: published.version, generations, alreadyPublished: published.alreadyPublished }, () =>
        `${published.alreadyPublished ? "Already published: sitrep" : "Published sitrep"} ${published.id} as version ${published.version} (${
          kinds.all.map((k) => `${k.plural} generation ${published.generations[k.name]}`).join(", ")
        }).`)
    }))
).pipe(Command.withDescription("Validate a sitrep document and make it current; prints the version it became."), hasApi)

const show = Command.make(
  "show",
  { version: Argument.Int("version").pipe(Argument.withDescription("A history version (default: the current sitrep)."), Argument.optional) },
  ({ version }) =>
    withOperations(Effect.gen(function*() {
      const output = yield* Output
      const kinds = yield* Kinds
      const found = yield* (yield* Operations).sitrep(version, "sitrep show")
      yield* output.emit(sitrepToJson(kinds, found), () => renderSitrep(kinds, found))
    }))
).pipe(Command.withDescription("Show the current sitrep, or the given history version."), hasApi)

/** A version in a page token: what `GET /v1/sitreps` gives out too (the same token works in both). */

const list = Command.make(
  "list",
  {
    limit: Flag.Int("limit").pipe(Flag.withDescription("At most this many versions (default 100)."), Flag.optional),
    all: Flag.Boolean("all").pipe(Flag.withDescription("Every version history holds (instead of --limit)."), Flag.withDefault(false)),
    pageToken: Flag.String("page-token").pipe(Flag.withDescription("Continue where a list ended (the nextPageToken of its --json output)."), Flag.optional)
  },
  ({ limit, all, pageToken }) =>
    withOperations(Effect.gen(function*() {
      const output = yield* Output
      const kinds = yield* Kinds
      if (Option.isSome(limit) && !(limit.value >= 1)) {
        return yield* new Usage({ message: `--limit takes a whole number of 1 or more, not ${limit.value}; --all lists every version.` })
      }
      if (all && Option.isSome(limit)) return yield* new Usage({ message: "Give --limit or --all, not both." })
      const before = Option.isSome(pageToken) ? Number(yield* decodePageToken(pageToken.value, isVersionCursor)) as SitrepVersion : undefined
      const page = yield* (yield* Operations).history(all ? undefined : Option.getOrElse(limit, () => DEFAULT_LIMIT), before)
      const last = page.rows[page.rows.length - 1]
      const nextPageToken = page.more && last !== undefined ? encodePageToken(String(last.version)) : null
      yield* output.emit({ items: page.rows.map((e) => historyEntryToJson(kinds, e)), nextPageToken }, () => renderHistory(kinds, page.rows))
      if (nextPageToken !== null) {
        yield* writeStderr(
          `Showing the newest ${plural(page.rows.length, "version")}; there are older ones: --all lists every one, --page-token ${nextPageToken} (the nextPageToken of --json) continues.`
        )
      }
    }))
).pipe(Command.withDescription("List sitrep history, newest first: version, id, when and by whom it was published, the planner's label, generations, comment."), hasApi)

const prune = Command.make(
  "prune",
  {
    keep: Flag.Int("keep").pipe(
      Flag.withDescription("How many of the newest history versions to keep (at least 1; default FM_HISTORY_KEEP, else 100)."),
      Flag.optional
    )
  },
  ({ keep }) =>
    withOperations(Effect.gen(function*() {
      const output = yield* Output
      const result = yield* (yield* Operations).prune(keep, (soFar) =>
        output.progress(`pruning: page ${soFar.pages}, ${soFar.historyRemoved} history versions and ${soFar.sitrepsRemoved} sitreps removed so far`))
      const { history: range, pages } = result
      yield* output.emit(result, () =>
        `Pruned history to the newest ${result.keep} versions: ${result.removedVersions} history versions and ${result.removedSitreps} sitreps removed${
          pages === null ? "" : ` in ${pages} pages`
        }${range === null ? "" : `; history now holds versions ${range.oldest} to ${range.newest}`}.`)
    }))
).pipe(Command.withDescription("Prune sitrep history to the newest N versions and remove sitreps no longer in it."), hasApi)

export const sitrepCommand = Command.make("sitrep").pipe(
  Command.withDescription("Publish, show, list and prune sitreps."),
  Command.withSubcommands([publish, show, list, prune]),
  hasApi
)
