import * as path from "node:path"
import { Option } from "effect"

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
