#!/usr/bin/env node
// The `fm` command for `npx fm` and npm's bin links: the built program bundled by `npm run build` (rolldown.config.js).
import "../dist/bundle/fm.js"
