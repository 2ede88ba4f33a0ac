#!/usr/bin/env bash
# Every benchmark in turn (`npm run bench`). Each also runs alone: node dist/bench/<name>.js,
# and bash bench/proxy.sh for the proxy (it installs wrk, nginx and caddy when missing).
# Figures and how to read them: BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json || echo "bench: tsc reported errors (above); running what it emitted" >&2
node dist/bench/deploy-timing.js
node dist/bench/cli-startup.js
node dist/bench/memory.js
bash bench/proxy.sh
bash bench/tls.sh
node --import tsx bench/judge-sim.ts
