#!/usr/bin/env node
// The `fm` command for `npx fm` and npm's bin links: the built program bundled by `npm run build`
// (rolldown.config.js). In a clone where nothing was built yet (`npm ci` alone), one sentence
// that names the command, instead of Node's ERR_MODULE_NOT_FOUND stack trace.
import { existsSync } from "node:fs"

const bundle = new URL("../dist/bundle/fm.js", import.meta.url)
if (existsSync(bundle)) {
  await import(bundle.href)
} else {
  process.stderr.write("fm is not built yet: run `npm run build` in the repository first (`npm start` builds and runs the demonstration).\n")
  process.exitCode = 1
}
