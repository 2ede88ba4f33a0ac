#!/usr/bin/env bash
# TLS benchmark: slipway's HTTPS listener against nginx (1 and 2 workers), same certificate, same run.
# Installs wrk and nginx with apt-get when missing (Debian; installing does not start them).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for cmd in wrk nginx; do command -v "$cmd" >/dev/null || missing+=("$cmd"); done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
exec node --import tsx bench/tls-bench.ts "$@"
