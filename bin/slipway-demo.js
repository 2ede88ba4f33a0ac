#!/usr/bin/env node
// `npm run demo`: the compiled demo (built by `npm ci` through the prepare script).
import '../dist/examples/demo/demo.js';
