import { assert, it } from "@effect/vitest"
import { Authorization, Kinds, MarkerStore, type Request, ResourceStore } from "@fm-rendezvous/domain"
import { Effect, Layer, Option } from "effect"
import { uuid } from "../support/documents.ts"
import type { PortTarget } from "../support/ports.ts"
import { currentSitrep, kind, publish, rid } from "./helpers.ts"

/** Ids that say what they are: S sitreps, C cases, A alerts, B bundles, W widgets. */
export const S = (n: number) => uuid(n, 0x5)
export const C = (n: number) => uuid(n, 0xc)
export const A = (n: number) => uuid(n, 0xa)
export const B = (n: number) => uuid(n, 0xb)
export const W = (n: number) => uuid(n, 0xd)
export const alert = kind("alert")
export const bundle = kind("support_bundle")
export const widget = kind("widget")

export const marker = (k: string, id: string) => Effect.flatMap(MarkerStore, (m) => m.get(kind(k), rid(id)))
export const row = (k: string, id: string) => Effect.flatMap(ResourceStore, (r) => r.get(kind(k), rid(id)))
export const requestOf = (id: string, caseId: string, body: Record<string, unknown>) => ({ id, caseId, body }) as unknown as Request
export const alertBody = { class: "hardware.power_shelf.psu.remove", payload: { shelf: 0, slot: 2 }, comment: "" }
export const kindDescriptor = (name: string) => Effect.map(Kinds, (k) => Option.getOrThrow(k.find(name)))
export const authorization = Effect.succeed(Authorization)

/** v1 requests alerts A1, A2 and bundle B1; returns the stored sitrep. */
export const firstSitrep = publish({ id: S(1), parentId: null, cases: [{ id: C(1), alerts: [A(1), A(2)], bundles: [B(1)] }] }).pipe(
  Effect.andThen(currentSitrep)
)

/** One contract test: the body runs against a fresh store built from the target's layer. */
export type ContractTest = (name: string, body: () => Effect.Effect<void, unknown, any>) => void

export const contractTest = (target: PortTarget): ContractTest => (name, body) =>
  it.effect(name, () => body().pipe(Effect.provide(Layer.fresh(target.layer))) as Effect.Effect<void, unknown, never>)

export { assert }
