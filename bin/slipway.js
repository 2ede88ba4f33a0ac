#!/usr/bin/env node
// The CLI, bundled (scripts/bundle-cli.mjs, run after tsc by `npm ci`'s prepare script and by
// `npm run build`): a few files for Node's ESM loader instead of ~40 (docs/design.md, "Lean processes").
import '../dist/src/cli-bundle/main.js';
