import { Context, Layer, Option } from "effect"
import type { KindName } from "../model/ids.ts"
import { alertKind } from "./alert.ts"
import type { ResourceKind } from "./kind.ts"
import { supportBundleKind } from "./supportBundle.ts"

export interface KindRegistry {
  /** In registration order: reports list kinds in this order. */
  readonly all: ReadonlyArray<ResourceKind>
  readonly find: (name: string) => Option.Option<ResourceKind>
}

export const makeRegistry = (kinds: ReadonlyArray<ResourceKind>): KindRegistry => {
  const names = new Set<string>()
  const fields = new Set<string>()
  for (const k of kinds) {
    if (names.has(k.name)) throw new Error(`resource kind ${k.name} is registered twice`)
    if (fields.has(k.documentField)) throw new Error(`document field ${k.documentField} is used by two kinds`)
    names.add(k.name)
    fields.add(k.documentField)
  }
  const byName = new Map<string, ResourceKind>(kinds.map((k) => [k.name, k]))
  return { all: kinds, find: (name) => Option.fromNullishOr(byName.get(name)) }
}

/** The kinds fm-rendezvous manages in production. */
export const defaultKinds: ReadonlyArray<ResourceKind> = [alertKind, supportBundleKind]

export class Kinds extends Context.Service<Kinds, KindRegistry>()("fm/Kinds") {
  static readonly layer = (kinds: ReadonlyArray<ResourceKind> = defaultKinds) =>
    Layer.succeed(Kinds, makeRegistry(kinds))
}

