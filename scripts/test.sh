#!/usr/bin/env bash
# The test command of the README: builds, type-checks, then runs every test (unit, proxy,
# end-to-end) one file at a time on real sockets, processes and temp dirs.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use (git for source snapshots); installed only when missing.
need=()
command -v git >/dev/null || need+=(git)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
  else
    echo "missing: ${need[*]} (install them with apt-get)" >&2
    exit 1
  fi
fi

npx tsc -p tsconfig.json
mapfile -t files < <(find test -name '*.test.ts' | sort)
node --import tsx --test --test-concurrency=1 "${files[@]}"
