import { Context, Effect, Layer, SynchronizedRef } from "effect"
import { emptyDb, type MemoryDb } from "./state.ts"

/** The shared in-memory database every memory port works on. */
export class MemoryDatabase extends Context.Service<MemoryDatabase, {
  readonly ref: SynchronizedRef.SynchronizedRef<MemoryDb>
}>()("fm/memory/MemoryDatabase") {
  static readonly layer = Layer.effect(
    MemoryDatabase,
    Effect.suspend(() => SynchronizedRef.make(emptyDb())).pipe(Effect.map((ref) => MemoryDatabase.of({ ref })))
  )
}

