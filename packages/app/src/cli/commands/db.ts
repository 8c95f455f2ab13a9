import { Effect } from "effect"
import { Command } from "effect/cli"
import { describeTarget, resolveTarget } from "../../database/target.ts"
import { migrateTarget } from "../../database/migrate.ts"
import { databaseOnly, fm, refuseServerFlag } from "../globalFlags.ts"
import { Output } from "../output.ts"

const migrate = Command.make("migrate", {}, () =>
  Effect.gen(function*() {
    const output = yield* Output
    const global = yield* fm
    yield* refuseServerFlag(global)
    const target = yield* resolveTarget(global.databaseUrl)
    yield* migrateTarget(target)
    yield* output.emit({ migrated: true, database: describeTarget(target) }, () =>
      `The schema of ${describeTarget(target)} is up to date.`)
  })).pipe(Command.withDescription("Create or upgrade the schema (idempotent)."), databaseOnly())

export const dbCommand = Command.make("db").pipe(
  Command.withDescription("Database administration."),
  databaseOnly(),
  Command.withSubcommands([migrate])
)
