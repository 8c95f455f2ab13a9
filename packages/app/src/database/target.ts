import * as path from "node:path"
import { InvalidInput } from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"

/**
 * Which database a command works on (SPEC 7.2): --database-url, else DATABASE_URL (both arrive
 * here as one option), else the embedded PostgreSQL under ./.fm-rendezvous/. The URL `memory:`
 * selects an in-process memory database, useful only for one-process runs (`fm simulate`).
 */
export type DatabaseTarget =
  | { readonly _tag: "Url"; readonly url: string }
  | { readonly _tag: "Embedded"; readonly root: string }
  | { readonly _tag: "Memory" }

export const EMBEDDED_DIRECTORY = ".fm-rendezvous"

export const targetOf = (databaseUrl: Option.Option<string>): DatabaseTarget =>
  Option.match(Option.filter(databaseUrl, (u) => u.trim() !== ""), {
    onNone: () => ({ _tag: "Embedded", root: path.resolve(process.cwd(), EMBEDDED_DIRECTORY) }),
    onSome: (url) => (url === "memory:" ? { _tag: "Memory" } : { _tag: "Url", url })
  })

/**
 * `targetOf`, refusing a URL that is not a PostgreSQL one as bad input (exit 2) before anything
 * tries to connect: a typo must not read as "the database failed".
 */
export const resolveTarget = (databaseUrl: Option.Option<string>): Effect.Effect<DatabaseTarget, InvalidInput> => {
  const target = targetOf(databaseUrl)
  if (target._tag !== "Url") return Effect.succeed(target)
  let protocol = ""
  try {
    protocol = new URL(target.url).protocol
  } catch {
    protocol = ""
  }
  return protocol === "postgres:" || protocol === "postgresql:"
    ? Effect.succeed(target)
    : Effect.fail(new InvalidInput({
      message: `The database URL ${JSON.stringify(describeTarget(target))} is not a PostgreSQL URL such as postgres://user@host:5432/database.`
    }))
}

/** For messages and logs: where the data lives, without credentials. */
export const describeTarget = (target: DatabaseTarget): string => {
  switch (target._tag) {
    case "Memory":
      return "an in-process memory database"
    case "Embedded":
      return `the embedded PostgreSQL under ${target.root}`
    case "Url":
      return target.url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@")
  }
}
