import { Effect } from "effect"
import { embeddedPostgres } from "./embedded.ts"
import { migrateDatabase } from "./sqlStores.ts"
import type { DatabaseTarget } from "./target.ts"

/** `fm db migrate` on whichever database the target names (the memory database needs none). */
export const migrateTarget = (target: DatabaseTarget) => {
  switch (target._tag) {
    case "Memory":
      return Effect.void
    case "Url":
      return migrateDatabase(target.url)
    case "Embedded":
      return Effect.scoped(Effect.flatMap(embeddedPostgres(target.root), migrateDatabase))
  }
}
