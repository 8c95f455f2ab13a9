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

/** Test control: make creation of a kind fail persistently (SPEC 4, GC liveness across kinds). */
export const setCreationFailure = (kind: string, failing: boolean) =>
  MemoryDatabase.use(({ ref }) =>
    SynchronizedRef.update(ref, (db) => {
      if (failing) db.failingKinds.add(kind)
      else db.failingKinds.delete(kind)
      return db
    }))
