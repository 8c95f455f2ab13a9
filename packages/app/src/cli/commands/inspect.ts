import { explain, Kinds, ReportStore, SitrepStore } from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"
import { Argument, Command } from "effect/cli"
import { explanationToJson, renderExplanation } from "../../render/explanation.ts"
import { renderReport, reportToJson } from "../../render/report.ts"
import { Output } from "../output.ts"
import { parseResourceId, withStores } from "../session.ts"

const status = Command.make("status", {}, () =>
  withStores(Effect.gen(function*() {
    const output = yield* Output
    const kinds = yield* Kinds
    const reports = yield* (yield* ReportStore).latest
    const current = yield* (yield* SitrepStore).currentHeader
    yield* output.emit(reports.map(reportToJson), () => {
      const head = Option.match(current, {
        onNone: () => "current sitrep: none published yet",
        onSome: (c) => `current sitrep: ${c.id}  (version ${c.version})`
      })
      if (reports.length === 0) return `${head}\nNo executor has reported an activation yet.`
      return [head, ...reports.map((r) => renderReport(kinds, r))].join("\n\n")
    })
  }))).pipe(Command.withDescription("The last activation report of each executor (SPEC 6)."))

const explainCommand = Command.make(
  "explain",
  { id: Argument.String("id").pipe(Argument.withDescription("A resource id (alert, support bundle, ...).")) },
  ({ id }) =>
    withStores(Effect.gen(function*() {
      const output = yield* Output
      const kinds = yield* Kinds
      const explanation = yield* explain(yield* parseResourceId(id))
      yield* output.emit(explanationToJson(explanation), () => renderExplanation(kinds, explanation))
    }))
).pipe(Command.withDescription("Why a resource exists or not, and whether its creation marker is collectible now."))

export const inspectCommands = [status, explainCommand] as const
