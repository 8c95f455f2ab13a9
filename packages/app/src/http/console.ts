import { existsSync, readdirSync, readFileSync } from "node:fs"
import { extname, join } from "node:path"
import { gzipSync } from "node:zlib"
import { Effect, Layer } from "effect"
import { HttpRouter, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { refusalResponse } from "./requests.ts"

/**
 * The operator console (SPEC 8.3a, issue 23): the static files `npm run build` writes to
 * packages/app/dist/console (rolldown.config.js), served at `/` with the assets under `/console/`.
 * The files are read once when the server starts; only names found there are served (no path
 * from the request reaches the file system). Every answer carries the console's security headers.
 */
export const CONSOLE_PREFIX = "/console/"

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  // No inline script or style: the page loads one script and one stylesheet from here.
  "content-security-policy": "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY"
}

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml"
}

/** Where the build put the console: beside dist/bundle (the bundled fm) or dist/http (tsc), or from src/http. */
export const consoleDirectory = (): string | undefined =>
  [join(import.meta.dirname, "../console"), join(import.meta.dirname, "../../dist/console")].find((d) => existsSync(join(d, "index.html")))

interface Asset {
  readonly body: Uint8Array
  /** The body gzipped once at start (the script is about a third of its size so). */
  readonly gzipped: Uint8Array
  readonly type: string
}

const loadAssets = (dir: string | undefined): ReadonlyMap<string, Asset> => {
  const assets = new Map<string, Asset>()
  if (dir === undefined) return assets
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)]
    if (type === undefined) continue
    const body = readFileSync(join(dir, name))
    assets.set(name, { body, gzipped: gzipSync(body, { level: 9 }), type })
  }
  return assets
}

const withSecurity = (response: HttpServerResponse.HttpServerResponse) => HttpServerResponse.setHeaders(response, SECURITY_HEADERS)

const notBuilt = withSecurity(refusalResponse(404, "NotFound", "The console is not built into this program: run npm run build."))

const acceptsGzip = (request: HttpServerRequest.HttpServerRequest) => /\bgzip\b/.test(request.headers["accept-encoding"] ?? "")

const serveAsset = (request: HttpServerRequest.HttpServerRequest, asset: Asset | undefined, cache: string) =>
  asset === undefined
    ? withSecurity(refusalResponse(404, "NotFound", "There is no such console file."))
    : withSecurity(
      acceptsGzip(request)
        ? HttpServerResponse.uint8Array(asset.gzipped, { contentType: asset.type, headers: { "cache-control": cache, "content-encoding": "gzip", vary: "accept-encoding" } })
        : HttpServerResponse.uint8Array(asset.body, { contentType: asset.type, headers: { "cache-control": cache, vary: "accept-encoding" } })
    )

/** `GET /` (the page) and `GET /console/*` (its hashed assets). */
export const consoleRoutes = Layer.unwrap(Effect.sync(() => {
  const assets = loadAssets(consoleDirectory())
  return Layer.mergeAll(
    HttpRouter.add("GET", "/", (request) => Effect.succeed(assets.size === 0 ? notBuilt : serveAsset(request, assets.get("index.html"), "no-cache"))),
    HttpRouter.add("GET", `${CONSOLE_PREFIX}*`, (request) =>
      Effect.succeed(serveAsset(request, assets.get(request.url.split("?")[0]!.slice(CONSOLE_PREFIX.length)), "public, max-age=31536000, immutable")))
  )
}))
