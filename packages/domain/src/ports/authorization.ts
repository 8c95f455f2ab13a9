import { Context, Effect, Layer } from "effect"
import { NotAuthorized } from "../errors.ts"

export type Role = "admin" | "viewer"

/** Who asks. `null` is an anonymous caller (no --actor/--role): refused for every change. */
export interface Actor {
  readonly name: string
  readonly role: Role
}

/** The internal identity executors act as (SPEC 7.2); operator commands may not claim it. */
export const EXECUTOR_IDENTITY = "fm-executor"

declare const AdminGrantBrand: unique symbol
/**
 * Proof that an admin asked. Only an `Authorization` implementation can make one, and every port
 * call that changes operator-visible state takes one, so a delete without the check does not
 * compile (the capability pattern of ARCHITECTURE).
 */
export interface AdminGrant {
  readonly [AdminGrantBrand]: true
  readonly actor: string
}

export class Authorization extends Context.Service<Authorization, {
  readonly requireAdmin: (actor: Actor | null, action: string) => Effect.Effect<AdminGrant, NotAuthorized>
  readonly requireViewer: (actor: Actor | null, action: string) => Effect.Effect<void, NotAuthorized>
  /**
   * The executors' own identity, for what they do unattended (pruning history). Operator commands
   * never reach it: `requireAdmin` refuses an actor claiming that name.
   */
  readonly executorGrant: Effect.Effect<AdminGrant>
}>()("fm/Authorization") {}

const grant = (actor: string) => ({ actor }) as AdminGrant

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1)

/** Role-based authorization on the fleet (SPEC 3.2): admin deletes, viewer (or admin) reads. */
export const RoleAuthorization = Layer.succeed(Authorization, {
  requireAdmin: (actor, action) =>
    actor === null
      ? Effect.fail(new NotAuthorized({ message: `${capitalised(action)} needs an actor with the admin role (give --actor and --role admin).` }))
      : actor.name === EXECUTOR_IDENTITY
      ? Effect.fail(new NotAuthorized({ message: `${EXECUTOR_IDENTITY} is the executors' own identity; an operator cannot act as it.` }))
      : actor.role !== "admin"
      ? Effect.fail(new NotAuthorized({ message: `${actor.name} has the ${actor.role} role; ${action} needs admin.` }))
      : Effect.succeed(grant(actor.name)),
  // SPEC 7.2 refuses anonymous callers only for changes; a named actor needs a role to read.
  requireViewer: () => Effect.void,
  executorGrant: Effect.sync(() => grant(EXECUTOR_IDENTITY))
})
