#!/usr/bin/env bash
# Proxy benchmark: slipway's proxy against direct, nginx (1 and 2 workers) and Caddy, same run.
# Installs wrk, nginx and caddy with apt-get when missing (Debian; installing does not start them).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for cmd in wrk nginx caddy; do command -v "$cmd" >/dev/null || missing+=("$cmd"); done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
exec node --import tsx bench/proxy-bench.ts "$@"
