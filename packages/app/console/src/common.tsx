import type { ComponentChildren } from "preact"
import { useEffect, useState } from "preact/hooks"
import { ApiFailure } from "./api.ts"

/** A value loaded from the API: the data, or the server's sentence when it was refused. */
export type Loaded<A> = { readonly state: "loading" } | { readonly state: "done"; readonly value: A } | { readonly state: "failed"; readonly status: number; readonly message: string }

export const failed = (e: unknown) =>
  e instanceof ApiFailure
    ? { state: "failed" as const, status: e.status, message: e.message }
    : { state: "failed" as const, status: 0, message: String(e) }

/** Loads on mount and whenever `deps` change; `reload` runs it again. */
export const useLoad = <A,>(load: () => Promise<A>, deps: ReadonlyArray<unknown>): [Loaded<A>, () => void] => {
  const [value, setValue] = useState<Loaded<A>>({ state: "loading" })
  const [tick, setTick] = useState(0)
  useEffect(() => {
    let live = true
    load().then((v) => live && setValue({ state: "done", value: v }), (e) => live && setValue(failed(e)))
    return () => {
      live = false
    }
  }, [...deps, tick])
  return [value, () => setTick((t) => t + 1)]
}

/** A refusal in the server's words (SPEC 8.4), announced to screen readers. */
export const Refusal = ({ message }: { message: string }) => <p class="refusal" role="alert">{message}</p>

export const Show = <A,>({ loaded, children }: { loaded: Loaded<A>; children: (value: A) => ComponentChildren }) =>
  loaded.state === "loading" ? <p class="muted" aria-busy="true">Loading…</p> : loaded.state === "failed" ? <Refusal message={loaded.message} /> : <>{children(loaded.value)}</>

export const time = (iso: string | null | undefined) => (iso === null || iso === undefined ? "—" : new Date(iso).toLocaleString(undefined, { hour12: false }))

export const seconds = (s: number) => (s < 90 ? `${Math.round(s)} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`)

/** A JSON value as text (payloads): rendered as text, never as markup. */
export const jsonText = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v))

export const Flag = ({ bad, children }: { bad: boolean; children: ComponentChildren }) => <span class={bad ? "flag bad" : "flag ok"}>{children}</span>

/** Previous/Next over the API's cursors: `cursors` is the stack of page tokens read so far. */
export const Pager = ({ cursors, next, setCursors }: { cursors: ReadonlyArray<string | undefined>; next: string | null; setCursors: (c: ReadonlyArray<string | undefined>) => void }) => (
  <nav class="pager" aria-label="Pages">
    <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>Previous page</button>
    <button type="button" disabled={next === null} onClick={() => setCursors([...cursors, next!])}>Next page</button>
  </nav>
)
