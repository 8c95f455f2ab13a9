import { useState } from "preact/hooks"
import { ApiFailure, kinds } from "./api.ts"
import { Pager, Show, jsonText, time, useLoad } from "./common.tsx"
import { api } from "./state.ts"

interface Entry {
  readonly version: number
  readonly id: string
  readonly parentId: string | null
  readonly creatorId: string
  /** Who published it (the token's name); null when not recorded (issue 25.4). */
  readonly publishedBy: string | null
  readonly timeCreated: string
  readonly comment: string
  readonly generations: Readonly<Record<string, number>>
}
type Document = Entry & { readonly cases: ReadonlyArray<Record<string, any> & { id: string; comment: string; closed: boolean }> }

const PAGE = 10

const requestIds = (d: Document | null, field: string): Set<string> =>
  new Set(d === null ? [] : d.cases.flatMap((c) => ((c[field] ?? []) as Array<{ id: string }>).map((r) => r.id)))

const byVersion = (version: number) =>
  api<Document>("sitreps", "byVersion", { params: { version: String(version) } }).catch((e) => {
    if (e instanceof ApiFailure && e.status === 404) return null
    throw e
  })

/** Added and dropped requests per kind of each version against its parent (the version before it). */
const counts = async (items: ReadonlyArray<Entry>) => {
  const docs = await Promise.all(items.map((e) => byVersion(e.version)))
  const last = items.at(-1)
  const before = last === undefined || last.parentId === null ? null : await byVersion(last.version - 1)
  return items.map((e, i) => {
    const doc = docs[i]!
    const parent = e.parentId === null ? null : i + 1 < items.length ? docs[i + 1]! : before
    const known = e.parentId === null || parent !== null
    return Object.fromEntries(kinds.map((k) => {
      const now = requestIds(doc, k.documentField)
      const then = requestIds(parent, k.documentField)
      return [k.name, known ? { added: [...now].filter((x) => !then.has(x)).length, dropped: [...then].filter((x) => !now.has(x)).length } : null]
    }))
  })
}

export const SitrepList = () => {
  const [cursors, setCursors] = useState<ReadonlyArray<string | undefined>>([undefined])
  const cursor = cursors[cursors.length - 1]
  const [page] = useLoad(async () => {
    const p = await api<{ items: ReadonlyArray<Entry>; nextPageToken: string | null }>("sitreps", "history", {
      query: { limit: String(PAGE), ...(cursor === undefined ? {} : { page_token: cursor }) }
    })
    return { ...p, counts: await counts(p.items) }
  }, [cursor])
  return (
    <section aria-labelledby="sitreps-title">
      <h1 id="sitreps-title">Sitreps</h1>
      <Show loaded={page}>
        {(p) => (
          <>
            <div class="scroll">
              <table data-testid="sitrep-history">
                <caption class="sr-only">Sitrep history, newest first</caption>
                <thead><tr><th scope="col">Version</th><th scope="col">Published by</th><th scope="col">Planner's label</th><th scope="col">Published</th><th scope="col">Comment</th>{kinds.map((k) => <th scope="col">{k.plural}: added / dropped</th>)}</tr></thead>
                <tbody>
                  {p.items.map((e, i) => (
                    <tr>
                      <th scope="row"><a href={`#/sitreps/${e.version}`}>{e.version}</a></th>
                      <td>{e.publishedBy ?? "not recorded"}</td>
                      <td>{e.creatorId}</td>
                      <td>{time(e.timeCreated)}</td>
                      <td>{e.comment}</td>
                      {kinds.map((k) => {
                        const c = p.counts[i]![k.name]
                        return <td>{c === null || c === undefined ? "—" : `+${c.added} / −${c.dropped}`}</td>
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager cursors={cursors} next={p.nextPageToken} setCursors={setCursors} />
          </>
        )}
      </Show>
    </section>
  )
}

export const SitrepPage = ({ version }: { version: string }) => {
  const [doc] = useLoad(() => api<Document>("sitreps", "byVersion", { params: { version } }), [version])
  return (
    <section aria-labelledby="sitrep-title">
      <p><a href="#/sitreps">← All sitreps</a></p>
      <h1 id="sitrep-title">Sitrep version {version}</h1>
      <Show loaded={doc}>
        {(d) => (
          <>
            <dl class="facts" data-testid="sitrep">
              <dt>Id</dt><dd class="mono">{d.id}</dd>
              <dt>Parent</dt><dd class="mono">{d.parentId ?? "none"}</dd>
              <dt>Published by</dt><dd>{d.publishedBy ?? "not recorded"}</dd>
              <dt>Planner's label</dt><dd>{d.creatorId}</dd>
              <dt>Published</dt><dd>{time(d.timeCreated)}</dd>
              <dt>Comment</dt><dd data-testid="sitrep-comment">{d.comment}</dd>
              {kinds.map((k) => <><dt>Generation of {k.plural}</dt><dd>{d.generations[k.name] ?? "—"}</dd></>)}
            </dl>
            <h2>Cases ({d.cases.length})</h2>
            {d.cases.map((c) => (
              <article class="case" aria-labelledby={`case-${c.id}`}>
                <h3 id={`case-${c.id}`}><span class="mono">{c.id}</span>{c.closed ? " (closed)" : ""}</h3>
                <p>{c.comment}</p>
                {kinds.map((k) => {
                  const requests = (c[k.documentField] ?? []) as Array<Record<string, unknown> & { id: string }>
                  return requests.length === 0 ? null : (
                    <div class="scroll">
                      <table>
                        <caption>{k.plural} requested</caption>
                        <thead><tr><th scope="col">Request id</th><th scope="col">Details</th></tr></thead>
                        <tbody>
                          {requests.map(({ id, ...rest }) => (
                            <tr>
                              <th scope="row"><a class="mono" href={`#/${k.path}/${id}`}>{id}</a></th>
                              <td>{Object.entries(rest).map(([f, v]) => <span class="field">{f}: {jsonText(v)}</span>)}</td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    </div>
                  )
                })}
              </article>
            ))}
          </>
        )}
      </Show>
    </section>
  )
}
