#!/usr/bin/env node
// The `fm` command for `npx fm` and npm's bin links: the built program (`npm run build` makes it).
import "../dist/bin/fm.js"
