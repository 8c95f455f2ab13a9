import { signal } from "@preact/signals"
import { ApiFailure, call, connect, disconnect } from "./api.ts"

/**
 * The session: the token lives in this tab's sessionStorage only (never localStorage, never a
 * URL), the caller's name and role from GET /v1/me, and the page from the URL's fragment.
 */
const TOKEN_KEY = "fm-console-token"

export interface Me {
  readonly name: string
  readonly role: "admin" | "viewer"
}

export const me = signal<Me | null>(null)
/** The sentence shown on the sign-in page (a refused token, a 401 met later). */
export const signInMessage = signal<string | null>(null)
export const route = signal<ReadonlyArray<string>>(parseHash())

function parseHash(): ReadonlyArray<string> {
  return location.hash.replace(/^#\/?/, "").split("/").filter((s) => s !== "").map(decodeURIComponent)
}
addEventListener("hashchange", () => {
  route.value = parseHash()
})

export const go = (...parts: ReadonlyArray<string>) => {
  location.hash = `#/${parts.map(encodeURIComponent).join("/")}`
}

export const signIn = async (token: string): Promise<void> => {
  await connect(token.trim())
  try {
    const who = await call<Me>("inspect", "me")
    sessionStorage.setItem(TOKEN_KEY, token.trim())
    signInMessage.value = null
    me.value = who
  } catch (e) {
    disconnect()
    throw e
  }
}

export const signOut = (message: string | null = null) => {
  sessionStorage.removeItem(TOKEN_KEY)
  disconnect()
  signInMessage.value = message
  me.value = null
}

/** A call from a page: a 401 (revoked or expired meanwhile) returns to sign-in with the server's sentence. */
export const api = async <A = any>(group: string, endpoint: string, request?: unknown): Promise<A> => {
  try {
    return await call<A>(group, endpoint, request)
  } catch (e) {
    if (e instanceof ApiFailure && e.status === 401) signOut(e.message)
    throw e
  }
}

/** Resumes the tab's session after a reload. */
export const resume = async () => {
  const token = sessionStorage.getItem(TOKEN_KEY)
  if (token === null) return
  try {
    await signIn(token)
  } catch (e) {
    signOut(e instanceof ApiFailure ? e.message : null)
  }
}
