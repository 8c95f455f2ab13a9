#!/usr/bin/env node
// The `fm` command for `npx fm` and npm's bin links; the program is TypeScript run by Node 24.
import "../src/bin/fm.ts"
