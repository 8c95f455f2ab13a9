import { useRef, useState } from "preact/hooks"
import { ApiFailure, kinds } from "./api.ts"
import { failed, type Loaded, Pager, Refusal, Show, jsonText, time, useLoad } from "./common.tsx"
import { api, go, me } from "./state.ts"

type Kind = (typeof kinds)[number]
type Row = Record<string, unknown> & { id: string; caseId: string | null; timeCreated: string; state?: string }
interface Page {
  readonly items: ReadonlyArray<Row>
  readonly nextPageToken: string | null
}

export const PAGE_SIZE = 10
const shown = (k: string) => !["id", "kind", "caseId", "timeCreated", "state"].includes(k)

/** A kind's list: pages through the API's cursors, filters the page by state, looks up an id. */
export const ResourceList = ({ kind }: { kind: Kind }) => {
  // The cursors of the pages seen so far, so Previous goes back without the API knowing.
  const [cursors, setCursors] = useState<ReadonlyArray<string | undefined>>([undefined])
  const [state, setState] = useState("")
  const [lookup, setLookup] = useState("")
  const cursor = cursors[cursors.length - 1]
  const [page] = useLoad(
    () => api<Page>(kind.path, "list", { query: { limit: String(PAGE_SIZE), ...(cursor === undefined ? {} : { page_token: cursor }) } }),
    [kind.path, cursor]
  )
  const states = page.state === "done" ? [...new Set(page.value.items.flatMap((r) => (r.state === undefined ? [] : [r.state])))] : []
  const title = kind.plural[0]!.toUpperCase() + kind.plural.slice(1)
  return (
    <section aria-labelledby="list-title">
      <h1 id="list-title">{title}</h1>
      <form class="inline" role="search" onSubmit={(e) => {
        e.preventDefault()
        if (lookup.trim() !== "") go(kind.path, lookup.trim())
      }}>
        <label for="lookup">Look up {kind.singular} id</label>
        <input id="lookup" name="lookup" value={lookup} onInput={(e) => setLookup(e.currentTarget.value)} autocomplete="off" spellcheck={false} />
        <button type="submit">Show</button>
      </form>
      {states.length > 0 || state !== "" ? (
        <p class="inline">
          <label for="state-filter">Filter this page by state</label>
          <select id="state-filter" value={state} onChange={(e) => setState(e.currentTarget.value)}>
            <option value="">all states</option>
            {[...new Set([...states, ...(state === "" ? [] : [state])])].map((s) => <option value={s}>{s}</option>)}
          </select>
        </p>
      ) : null}
      <Show loaded={page}>
        {(p) => {
          const rows = p.items.filter((r) => state === "" || r.state === state)
          const columns = [...new Set(p.items.flatMap((r) => Object.keys(r).filter(shown)))]
          return (
            <>
              <p class="muted" role="status">Page {cursors.length}: {rows.length} of {p.items.length} {kind.plural} shown{p.nextPageToken === null ? " (last page)" : ""}.</p>
              <div class="scroll">
                <table data-testid="resource-list">
                  <caption class="sr-only">{title}, page {cursors.length}</caption>
                  <thead><tr><th scope="col">Id</th><th scope="col">Case</th><th scope="col">Created</th>{p.items.some((r) => r.state !== undefined) ? <th scope="col">State</th> : null}{columns.map((c) => <th scope="col">{c}</th>)}</tr></thead>
                  <tbody>
                    {rows.map((r) => (
                      <tr>
                        <th scope="row"><a href={`#/${kind.path}/${r.id}`} class="mono">{r.id}</a></th>
                        <td class="mono">{r.caseId ?? "—"}</td>
                        <td>{time(r.timeCreated)}</td>
                        {p.items.some((x) => x.state !== undefined) ? <td>{r.state ?? "—"}</td> : null}
                        {columns.map((c) => <td>{jsonText(r[c] ?? "")}</td>)}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager cursors={cursors} next={p.nextPageToken} setCursors={setCursors} />
            </>
          )
        }}
      </Show>
    </section>
  )
}

interface Explanation {
  readonly id: string
  readonly kind: string | null
  readonly exists: boolean
  readonly state: string | null
  readonly fmCreated: boolean
  readonly createdAtGeneration: number | null
  readonly droppedAtGeneration: number | null
  readonly deleted: { at: string | null; by: string | null } | null
  readonly requestedByCurrentSitrep: boolean
  readonly markerCollectible: boolean
  readonly reason: string
}

const optional = async <A,>(p: Promise<A>): Promise<A | null> =>
  p.catch((e) => {
    if (e instanceof ApiFailure && e.status === 404) return null
    throw e
  })

/** One resource's story, the way `fm explain` tells it, with Delete and Comment for admins. */
export const ResourcePage = ({ kind, id }: { kind: Kind; id: string }) => {
  const [data, reload] = useLoad(async () => {
    const [explanation, current] = await Promise.all([
      api<Explanation>("inspect", "explain", { params: { id } }),
      optional(api<{ version: number; cases: ReadonlyArray<Record<string, unknown> & { id: string }> }>("sitreps", "current"))
    ])
    // Only a resource that exists has a row to ask for (no 404 for a deleted one).
    const row = explanation.exists ? await optional(api<Row>(kind.path, "get", { params: { id } })) : null
    // The case that requests it, from the current sitrep's document (a deleted resource has no row to say).
    const requestingCase = current?.cases.find((c) => ((c[kind.documentField] ?? []) as ReadonlyArray<{ id: string }>).some((r) => r.id === id))?.id ?? null
    return { row, explanation, current, requestingCase }
  }, [kind.path, id])
  const [message, setMessage] = useState<Loaded<string> | null>(null)
  const admin = me.value?.role === "admin"
  return (
    <section aria-labelledby="resource-title">
      <p><a href={`#/${kind.path}`}>← All {kind.plural}</a></p>
      <h1 id="resource-title">{kind.singular[0]!.toUpperCase() + kind.singular.slice(1)} <span class="mono">{id}</span></h1>
      {message?.state === "failed" ? <Refusal message={message.message} /> : message?.state === "done" ? <p role="status" class="notice">{message.value}</p> : null}
      <Show loaded={data}>
        {({ row, explanation: e, current, requestingCase }) => (
          <>
            <h2>Its story</h2>
            <dl class="facts" data-testid="story">
              <dt>Exists</dt><dd>{e.exists ? "yes" : "no"}{e.state === null ? "" : ` (state ${e.state})`}</dd>
              <dt>Requested by the current sitrep</dt>
              <dd>{e.requestedByCurrentSitrep ? <>yes, <a href={`#/sitreps/${current?.version ?? ""}`}>version {current?.version ?? "?"}</a>{requestingCase === null ? null : <>, case <span class="mono">{requestingCase}</span></>}</> : "no"}</dd>
              <dt>Created by FM</dt><dd>{e.fmCreated ? (e.createdAtGeneration === null ? "yes (its creation marker was collected, so the generation is no longer known)" : `yes, at generation ${e.createdAtGeneration}`) : "no"}</dd>
              {e.droppedAtGeneration === null ? null : <><dt>Dropped at generation</dt><dd>{e.droppedAtGeneration}</dd></>}
              <dt>Deleted</dt><dd data-testid="deleted">{e.deleted === null ? "no" : `yes, by ${e.deleted.by ?? "unknown"} at ${time(e.deleted.at)}`}</dd>
              <dt>Creation marker</dt><dd>{e.markerCollectible ? "collectible" : e.fmCreated && e.createdAtGeneration !== null ? "kept" : "collected or none"}</dd>
              <dt>Why</dt><dd data-testid="reason">{e.reason}</dd>
            </dl>
            {row === null ? <p data-testid="absent">There is no {kind.singular} row with this id now.</p> : (
              <>
                <h2>Its row</h2>
                <dl class="facts" data-testid="row">
                  {Object.entries(row).filter(([k]) => k !== "kind").map(([k, v]) => <><dt>{k}</dt><dd>{jsonText(v ?? "—")}</dd></>)}
                </dl>
                {admin ? <AdminActions kind={kind} id={id} onDone={(text) => {
                  setMessage(text)
                  reload()
                }} /> : null}
              </>
            )}
          </>
        )}
      </Show>
    </section>
  )
}

const AdminActions = ({ kind, id, onDone }: { kind: Kind; id: string; onDone: (m: Loaded<string>) => void }) => {
  const dialog = useRef<HTMLDialogElement>(null)
  const [comment, setComment] = useState("")
  const act = (p: Promise<unknown>, text: string) => p.then(() => onDone({ state: "done", value: text }), (e) => onDone(failed(e)))
  return (
    <div class="actions">
      {kind.userComment ? (
        <form class="inline" onSubmit={(e) => {
          e.preventDefault()
          act(api(kind.path, "comment", { params: { id }, payload: { userComment: comment } }), "The comment was saved.")
        }}>
          <label for="comment">Operator comment</label>
          <input id="comment" value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
          <button type="submit">Save comment</button>
        </form>
      ) : null}
      <button type="button" class="danger" onClick={() => dialog.current?.showModal()}>Delete</button>
      <dialog ref={dialog} aria-labelledby="confirm-title">
        <form method="dialog" onSubmit={(e) => {
          const confirmed = (e.submitter as HTMLButtonElement | null)?.value === "delete"
          if (confirmed) act(api(kind.path, "remove", { params: { id } }), `The ${kind.singular} ${id} was deleted.`)
        }}>
          <h2 id="confirm-title">Delete {kind.singular} {id}?</h2>
          <p>An executor will not create it again while a sitrep requests it.</p>
          <button type="submit" value="cancel" autofocus>Cancel</button>
          <button type="submit" value="delete" class="danger">Delete {id}</button>
        </form>
      </dialog>
    </div>
  )
}
