#!/usr/bin/env bash
# Every benchmark in turn (`npm run bench`). Each also runs alone: node dist/bench/<name>.js,
# and bash bench/proxy.sh for the proxy (it installs wrk, nginx and caddy when missing).
# Figures and how to read them: BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json || echo "bench: tsc reported errors (above); running what it emitted" >&2
# The bundled CLI that bin/slipway.js runs (scripts/bundle-cli.mjs), from what tsc emitted.
node scripts/bundle-cli.mjs
node dist/bench/deploy-timing.js
# These two print a FAIL line and exit 1 when a target or the memory baseline is missed: the
# other benches still run, and this script exits 1 at the end.
failed=()
node dist/bench/cli-startup.js || failed+=(cli-startup)
node dist/bench/memory.js || failed+=(memory)
bash bench/proxy.sh
bash bench/tls.sh
node --import tsx bench/judge-sim.ts
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAIL: ${failed[*]} (see their FAIL lines above)" >&2
  exit 1
fi
