import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { auditEntryToJson, renderAuditList } from "../../render/audit.ts"
import { decodeAuditCursor, encodeAuditCursor, parseAuditName, parseSince } from "../../shared/audit.ts"
import { Usage } from "../../shared/failure.ts"
import { DEFAULT_LIMIT } from "../../shared/pages.ts"
import { plural } from "../../render/table.ts"
import { Operations } from "../operations.ts"
import { Output, writeStderr } from "../output.ts"
import { hasApi } from "../globalFlags.ts"
import { withOperations } from "../session.ts"

/**
 * `fm audit` (issue 25.5): the audit record of operator actions, newest first, on the database or
 * through the API (`GET /v1/audit`, admin tokens). Paged like `fm alert list`. The actor filter is
 * `--by`: `--actor` is the global flag naming who acts.
 */
export const auditCommand = Command.make(
  "audit",
  {
    id: Flag.String("id").pipe(Flag.withDescription("Only entries about this resource id, sitrep id or token name."), Flag.optional),
    by: Flag.String("by").pipe(Flag.withDescription("Only entries by this actor (a token's name, an --actor, fm-executor)."), Flag.optional),
    since: Flag.String("since").pipe(Flag.withDescription("Only entries at or after this time (2026-12-01T10:00:00Z) or this long ago (24h, 7d)."), Flag.optional),
    limit: Flag.Int("limit").pipe(Flag.withDescription("At most this many (default 100)."), Flag.optional),
    all: Flag.Boolean("all").pipe(Flag.withDescription("Every one, however many (instead of --limit)."), Flag.withDefault(false)),
    pageToken: Flag.String("page-token").pipe(Flag.withDescription("Continue where a listing ended (the nextPageToken of its --json output)."), Flag.optional)
  },
  ({ id, by, since, limit, all, pageToken }) =>
    withOperations(Effect.gen(function*() {
      const output = yield* Output
      if (Option.isSome(limit) && !(limit.value >= 1)) {
        return yield* new Usage({ message: `--limit takes a whole number of 1 or more, not ${limit.value}; --all lists every one.` })
      }
      if (all && Option.isSome(limit)) return yield* new Usage({ message: "Give --limit or --all, not both." })
      const filter = {
        subject: Option.isSome(id) ? yield* parseAuditName(id.value, "--id") : undefined,
        actor: Option.isSome(by) ? yield* parseAuditName(by.value, "--by") : undefined,
        since: Option.isSome(since) ? yield* parseSince(since.value, "--since") : undefined
      }
      const after = Option.isSome(pageToken) ? yield* decodeAuditCursor(pageToken.value) : null
      const wanted = all ? undefined : Option.getOrElse(limit, () => DEFAULT_LIMIT)
      const page = yield* (yield* Operations).audit(filter, wanted, after)
      const last = page.entries[page.entries.length - 1]
      const nextPageToken = page.more && last !== undefined ? encodeAuditCursor(last) : null
      yield* output.emit({ items: page.entries.map(auditEntryToJson), nextPageToken }, () => renderAuditList(page.entries))
      if (nextPageToken !== null) {
        yield* writeStderr(
          `Showing the newest ${plural(page.entries.length, "entry", "entries")}; there are more: --all lists every one, --page-token ${nextPageToken} (the nextPageToken of --json) continues.`
        )
      }
    }))
).pipe(Command.withDescription("The audit record of operator actions (publish, prune, delete, comment, token create and revoke), newest first."), hasApi)
