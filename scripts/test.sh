#!/usr/bin/env bash
# The test command of the README: builds, type-checks, then runs every test (unit, proxy,
# end-to-end) on real sockets, processes and temp dirs.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use, installed only when missing: git (source snapshots),
# python3 and busybox (apps nobody here wrote: http.server, httpd),
# postgresql, age, zstd, sqlite3 (backups), prometheus (metrics: prometheus and promtool),
# prometheus-alertmanager (alert delivery to the Alertmanager v2 API),
# pebble and openssl (TLS: the ACME test server, protocol checks), busybox and python3
# (servers nobody here wrote: busybox httpd with a CGI script, python's http.server).
need=()
command -v git >/dev/null || need+=(git)
command -v python3 >/dev/null || need+=(python3)
command -v busybox >/dev/null || need+=(busybox)
command -v openssl >/dev/null || need+=(openssl)
command -v pebble >/dev/null || need+=(pebble)
# DNS-01: a real BIND 9 (named) the tests update, and nsupdate (RFC 2136 with TSIG) that slipway runs.
command -v named >/dev/null || need+=(bind9)
command -v nsupdate >/dev/null || need+=(bind9-dnsutils)
command -v age >/dev/null || need+=(age)
command -v zstd >/dev/null || need+=(zstd)
command -v sqlite3 >/dev/null || need+=(sqlite3)
command -v promtool >/dev/null || need+=(prometheus)
command -v prometheus-alertmanager >/dev/null || need+=(prometheus-alertmanager)
command -v busybox >/dev/null || need+=(busybox)
command -v python3 >/dev/null || need+=(python3)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
# Apps of each language `slipway init` recognises (test/config/init-languages.test.ts):
# gunicorn and uvicorn (Python WSGI/ASGI), ruby with rack, puma and bundler (Rack), golang-go
# (Go: 81 MB download, 460 MB installed; see docs/design.md, "init: languages").
command -v gunicorn >/dev/null || need+=(gunicorn)
command -v uvicorn >/dev/null || need+=(uvicorn)
command -v ruby >/dev/null || need+=(ruby)
command -v puma >/dev/null || need+=(puma)
command -v bundle >/dev/null || need+=(ruby-bundler)
ruby -e 'require "rack"' >/dev/null 2>&1 || need+=(ruby-rack)
command -v go >/dev/null || need+=(golang-go)
# curl: the control API driven from a script (test/e2e/control-api-curl.test.ts).
command -v curl >/dev/null || need+=(curl)
# Containers: podman (with runc and slirp4netns) serves the Docker Engine API to the container driver.
command -v podman >/dev/null || need+=(podman)
command -v runc >/dev/null || need+=(runc)
command -v slirp4netns >/dev/null || need+=(slirp4netns)
# The dashboard's browser tests: Debian's chromium, driven by playwright-core (no browser download).
command -v chromium >/dev/null || need+=(chromium)
# Remote control over SSH (test/e2e/remote-ssh.test.ts): a real sshd on loopback and the ssh client.
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null || need+=(openssh-client)
# dockerd (Debian's docker.io) as a second engine: test/drivers/container-dockerd.test.ts.
command -v dockerd >/dev/null || [ -x /usr/sbin/dockerd ] || need+=(docker.io)
# systemd-analyze verifies the unit of `slipway service install` (systemd itself need not run).
command -v systemd-analyze >/dev/null || need+=(systemd)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    # Packages install without starting their services (Debian's policy-rc.d): the tests start
    # their own sshd, PostgreSQL and the rest on loopback; nothing listens on the machine's address.
    own_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own_policy=1; fi
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
    if [ "$own_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  else
    echo "missing: ${need[*]} (install them with apt-get)" >&2
    exit 1
  fi
fi

npx tsc -p tsconfig.json
# The CLI that bin/slipway.js runs (and e2e tests and benches with it): see scripts/bundle-cli.mjs.
node scripts/bundle-cli.mjs
# Import boundaries (proxy, engine, config, drivers, api): see scripts/check-boundaries.ts.
node --import tsx scripts/check-boundaries.ts
mapfile -t files < <(find test -name '*.test.ts' | sort)
# Two files side by side (SLIPWAY_TEST_JOBS to change); the latency-comparing canary files run
# alone afterwards. Prints the slowest files at the end: see scripts/run-tests.ts.
node --import tsx scripts/run-tests.ts "${files[@]}"
