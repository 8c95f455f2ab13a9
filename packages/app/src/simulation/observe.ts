import { type IdsOf, observeStores, requestsOf, type Sitrep, type KindName } from "@fm-rendezvous/domain"

/** The ids of `kind` a sitrep requests (none without one). */
export const requestedBy = (sitrep: Sitrep | undefined, kind: string): Array<string> =>
  sitrep === undefined ? [] : requestsOf(sitrep, kind as KindName).map((r) => r.id)

/** A snapshot of the stores through the ports, with the markers of the ids in each scope. */
export const observe = (...scopes: ReadonlyArray<IdsOf>) => observeStores((kind) => scopes.flatMap((s) => [...s(kind)]))
