import { render } from "preact"
import { useState } from "preact/hooks"
import { ApiFailure, kinds } from "./api.ts"
import { Refusal } from "./common.tsx"
import { OverviewPage } from "./overview.tsx"
import { ResourceList, ResourcePage } from "./resources.tsx"
import { SitrepList, SitrepPage } from "./sitreps.tsx"
import { me, resume, route, signIn, signInMessage, signOut } from "./state.ts"

/** The operator console (issue 23): sign-in, then the overview, the resource kinds and the sitreps. */
const SignIn = () => {
  const [token, setToken] = useState("")
  const [busy, setBusy] = useState(false)
  return (
    <main id="main" class="sign-in">
      <h1>fm-rendezvous console</h1>
      <form onSubmit={async (e) => {
        e.preventDefault()
        setBusy(true)
        try {
          await signIn(token)
        } catch (err) {
          signInMessage.value = err instanceof ApiFailure ? err.message : String(err)
        } finally {
          setBusy(false)
        }
      }}>
        <label for="token">API token (viewer or admin)</label>
        <input id="token" name="token" type="password" autocomplete="off" required value={token} onInput={(e) => setToken(e.currentTarget.value)} />
        <p class="muted">Kept for this tab only; signing out forgets it.</p>
        <button type="submit" disabled={busy}>Sign in</button>
      </form>
      {signInMessage.value === null ? null : <Refusal message={signInMessage.value} />}
    </main>
  )
}

const Page = () => {
  const [first, second] = route.value
  const kind = kinds.find((k) => k.path === first)
  if (first === undefined || first === "") return <OverviewPage />
  if (kind !== undefined) return second === undefined ? <ResourceList kind={kind} /> : <ResourcePage kind={kind} id={second} />
  if (first === "sitreps") return second === undefined ? <SitrepList /> : <SitrepPage version={second} />
  return <Refusal message="There is no such page." />
}

const App = () => {
  const who = me.value
  if (who === null) return <SignIn />
  const here = route.value[0] ?? ""
  const link = (path: string, text: string) => <li><a href={`#/${path}`} aria-current={here === path ? "page" : undefined}>{text}</a></li>
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => {
        e.preventDefault()
        document.getElementById("main")?.focus()
      }}>Skip to content</a>
      <header>
        <nav aria-label="Main">
          <ul>
            {link("", "Overview")}
            {kinds.map((k) => link(k.path, k.plural[0]!.toUpperCase() + k.plural.slice(1)))}
            {link("sitreps", "Sitreps")}
          </ul>
        </nav>
        <p class="who">Signed in as <strong data-testid="who">{who.name}</strong> ({who.role}) <button type="button" onClick={() => signOut()}>Sign out</button></p>
      </header>
      <main id="main" tabIndex={-1}><Page /></main>
    </>
  )
}

const root = document.getElementById("app")!
resume().finally(() => {
  render(<App />, root)
  // First view interactive (docs/PERFORMANCE.md): the browser test reads this mark.
  performance.mark("fm-console-interactive")
  document.body.dataset["ready"] = "true"
})
