import { Kinds } from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"
import { Argument, Command } from "effect/cli"
import { explanationToJson, renderExplanation } from "../../render/explanation.ts"
import { renderReconciled, renderReport, statusToJson } from "../../render/report.ts"
import { Output } from "../output.ts"
import { Operations } from "../operations.ts"
import { parseResourceId } from "../../shared/input.ts"
import { hasApi } from "../globalFlags.ts"
import { withOperations } from "../session.ts"

const status = Command.make("status", {}, () =>
  withOperations(Effect.gen(function*() {
    const output = yield* Output
    const kinds = yield* Kinds
    const { current, reports, reconciled } = yield* (yield* Operations).status
    yield* output.emit(statusToJson(Option.getOrNull(current), reports, reconciled), () => {
      const head = Option.match(current, {
        onNone: () => "current sitrep: none published yet",
        onSome: (c) => `current sitrep: ${c.id}  (version ${c.version})`
      })
      const last = renderReconciled(kinds, reconciled)
      if (reports.length === 0) return `${head}\n${last}\nNo executor has reported an activation yet.`
      return [`${head}\n${last}`, ...reports.map((r) => renderReport(kinds, r))].join("\n\n")
    })
  }))).pipe(Command.withDescription("The last activation report of each executor."), hasApi)

const explainCommand = Command.make(
  "explain",
  { id: Argument.String("id").pipe(Argument.withDescription("A resource id (alert, support bundle, ...).")) },
  ({ id }) =>
    withOperations(Effect.gen(function*() {
      const output = yield* Output
      const kinds = yield* Kinds
      const explanation = yield* (yield* Operations).explain(yield* parseResourceId(id))
      yield* output.emit(explanationToJson(explanation), () => renderExplanation(kinds, explanation))
    }))
).pipe(Command.withDescription("Why a resource exists or not, and whether its creation marker is collectible now."), hasApi)

export const inspectCommands = [status, explainCommand] as const
