import type { KindRegistry } from "@fm-rendezvous/domain"
import type { SimulationSummary } from "../simulation/simulation.ts"
import { count, line, plural, renderRows, text } from "./table.ts"

const perKind = (registry: KindRegistry, counts: Record<string, number>): string =>
  registry.all.map((k) => `${counts[k.name] ?? 0} ${k.plural}`).join(", ")

/** The simulation's closing summary: what happened, then each SPEC 4 invariant, pass or fail. */
export const renderSimulationSummary = (registry: KindRegistry, s: SimulationSummary): string => {
  const lines = ["", "summary", "-------"]
  lines.push(...renderRows([
    text("seed", String(s.seed)),
    count("steps", s.steps),
    text("duration", `${(s.durationMs / 1000).toFixed(1)} s`),
    count("sitreps published", s.sitrepsPublished),
    text("resources created", perKind(registry, s.created)),
    text("deleted by an operator", perKind(registry, s.deletedByOperator)),
    count("deleted and never resurrected", s.neverResurrected),
    count("not re-created: deleted by an operator", s.tombstonedSkips),
    count("activations refused as stale (per kind)", s.staleActivations),
    count("creation markers swept", s.markersSwept),
    count("destroyed bundles collected", s.destroyedCollected),
    count("old sitreps pruned", s.sitrepsPruned)
  ]))
  lines.push("", "executors")
  lines.push(...renderRows(s.executors.map((e) => text(e.name, `${e.activations} activations; ${e.behaviour}`)), "  "))
  lines.push("", "invariants (SPEC section 4), checked against the database")
  lines.push(...renderRows(
    s.invariants.flatMap((i) => [
      text(i.name, `${i.holds ? "pass" : i.checks === 0 ? "not exercised" : "FAIL"}  (${plural(i.checks, "check")})`),
      ...i.violations.map((v) => line(`    - ${v}`))
    ]),
    "  "
  ))
  lines.push("", s.allHold
    ? "All invariants hold."
    : s.invariants.some((i) => i.violations.length > 0)
    ? "Some invariants do NOT hold."
    : "No invariant was violated; those not exercised need a longer run.")
  return lines.join("\n")
}
