import { publishAsAdmin } from "../support/ports.ts"
import {
  ActivationMode,
  activate,
  type KindName,
  type ResourceId,
  type Sitrep,
  SitrepStore,
  type SitrepVersion
} from "@fm-rendezvous/domain"
import { Effect, Option } from "effect"
import { sitrepDoc } from "../support/documents.ts"

export const kind = (name: string) => name as KindName
export const rid = (id: string) => id as ResourceId

export const publish = (spec: Parameters<typeof sitrepDoc>[0]) => publishAsAdmin(sitrepDoc(spec))

export const currentSitrep = Effect.flatMap(SitrepStore, (s) => s.current).pipe(
  Effect.map(Option.getOrThrow)
)

export const sitrepAt = (version: number) =>
  Effect.flatMap(SitrepStore, (s) => s.byVersion(version as SitrepVersion)).pipe(Effect.map(Option.getOrThrow))

export const activateHeld = (held: Sitrep, options: { executor?: string; batchSize?: number; pageSize?: number; mode?: ActivationMode } = {}) =>
  activate({
    executor: options.executor ?? "executor-1",
    held,
    batchSize: options.batchSize ?? 2,
    pageSize: options.pageSize ?? 2,
    mode: options.mode ?? ActivationMode.Routine()
  })

export const admin = { name: "alice", role: "admin" as const }
export const viewer = { name: "victor", role: "viewer" as const }
