import { Effect } from "effect"
import { migrateDatabase } from "./sqlStores.ts"
import type { DatabaseTarget } from "./target.ts"

/**
 * `fm db migrate` on whichever database the target names (the memory database needs none); the
 * embedded PostgreSQL is loaded only when it is the target.
 */
export const migrateTarget = (target: DatabaseTarget) => {
  switch (target._tag) {
    case "Memory":
      return Effect.void
    case "Url":
      return migrateDatabase(target.url)
    case "Embedded":
      return Effect.scoped(
        Effect.flatMap(Effect.promise(() => import("./embedded.ts")), (m) => Effect.flatMap(m.embeddedPostgres(target.root), migrateDatabase))
      )
  }
}
