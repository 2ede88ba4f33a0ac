#!/usr/bin/env bash
# The README's Install section, run as a new user would on a fresh server: pack slipway with
# `npm pack`, install the tarball into a clean prefix in a temp directory outside the
# repository, then `slipway init && slipway check && slipway daemon --detach && slipway deploy`
# on a small app nobody here wrote (python's http.server), and check that it answers through
# slipway's proxy. Everything it started is stopped by pid, even on failure.
#
#   bash scripts/install-test.sh            # from a clone where `npm ci` has run (CI: .ci/run)
#   SLIPWAY_INSTALL_KEEP=1 bash scripts/install-test.sh   # keep the temp directory to look at
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/slipway-install-XXXXXX")"
case "$work/" in "$repo"/*) echo "install-test: $work is inside the repository" >&2; exit 1 ;; esac

pids=()
cleanup() {
  local status=$?
  # The daemon, the proxy and the app's instances, by the pids slipway reported.
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 50); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  if [ "$status" != 0 ] && [ -f "$work/app/.slipway/logs/daemon.log" ]; then
    echo "--- daemon log (last 30 lines)" >&2
    tail -n 30 "$work/app/.slipway/logs/daemon.log" >&2
  fi
  if [ -n "${SLIPWAY_INSTALL_KEEP:-}" ]; then echo "install-test: kept $work" >&2; else rm -rf "$work"; fi
  exit "$status"
}
trap cleanup EXIT

step() { printf '\n== %s (%ss)\n' "$1" "$SECONDS"; }

step "npm pack"
(cd "$repo" && npm pack --silent --pack-destination "$work" >/dev/null)
tarball="$(ls "$work"/slipway-*.tgz)"
listing="$(tar -tzf "$tarball")"
for needed in package/package.json package/bin/slipway.js package/dist/src/cli/main.js package/dist/src/cli-bundle/main.js package/dist/src/daemon/main.js package/dist/src/proxy/main.js package/npm-shrinkwrap.json package/README.md; do
  grep -qx "$needed" <<<"$listing" || { echo "install-test: $needed is missing from $(basename "$tarball")" >&2; exit 1; }
done
if grep -E '^package/(test|bench|src|scripts|examples|node_modules|\.slipway|dist/(test|bench|examples|scripts))/|\.map$|\.tsbuildinfo$' <<<"$listing"; then
  echo "install-test: the tarball holds files a user does not need (above)" >&2
  exit 1
fi
echo "$(wc -l <<<"$listing") files, $(du -k "$tarball" | cut -f1) KiB"

step "npm install -g (into $work/prefix)"
# better-sqlite3 is compiled here rather than fetched as a prebuilt binary from outside the npm
# registry (docs/design.md, "Install: the SQLite binding"); a user's install may fetch one.
env 'prebuild-install_buildFromSource=true' npm install -g --prefix "$work/prefix" --prefer-offline --no-audit --no-fund --loglevel=error "$tarball"
export PATH="$work/prefix/bin:$PATH"
unset SLIPWAY_STATE_DIR SLIPWAY_HOST
[ "$(command -v slipway)" = "$work/prefix/bin/slipway" ] || { echo "install-test: slipway is not on PATH from the prefix" >&2; exit 1; }
slipway version

step "npm install -g . (from the clone, into $work/clone-prefix)"
if [ -L "$repo/node_modules" ]; then
  # A worktree sharing another checkout's node_modules: npm would reify that shared tree.
  echo "not here: $repo/node_modules is a link to a shared install (CI, with its own clone, runs this step)"
else
  npm install -g --prefix "$work/clone-prefix" --prefer-offline --no-audit --no-fund --loglevel=error "$repo"
  [ "$("$work/clone-prefix/bin/slipway" version)" = "$(slipway version)" ] || { echo "install-test: the clone's slipway does not run" >&2; exit 1; }
  echo "ok: $work/clone-prefix/bin/slipway -> $(readlink -f "$work/clone-prefix/bin/slipway")"
fi

step "a sample app: python's http.server"
mkdir "$work/app" && cd "$work/app"
cat > app.py <<'EOF'
import os
from http.server import HTTPServer, SimpleHTTPRequestHandler
HTTPServer(("127.0.0.1", int(os.environ["PORT"])), SimpleHTTPRequestHandler).serve_forever()
EOF
echo "hello from a fresh install" > index.html

step "slipway init && slipway check && slipway daemon --detach && slipway deploy"
slipway init
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# The proxy on a free port instead of init's 8080, for a machine where 8080 is taken.
sed -i "s/^  http: 8080 .*/  http: $port/" slipway.yaml
# A 2s watch window instead of the default 30s keeps the test short.
sed -i "s/^    instances: 1\$/    instances: 1\n    watch: 2s/" slipway.yaml
grep -q "^  http: $port\$" slipway.yaml && grep -q "^    watch: 2s\$" slipway.yaml || { echo "install-test: could not edit slipway.yaml" >&2; cat slipway.yaml >&2; exit 1; }
slipway check
daemon_json="$(slipway daemon --detach --json)"
pids+=("$(node -e 'process.stdout.write(String(JSON.parse(process.argv[1]).pid))' "$daemon_json")")
slipway deploy
status_json="$(slipway status --json)"
# The proxy and every instance, so that cleanup stops them even if `slipway stop` does not.
mapfile -t more < <(node -e '
  const s = JSON.parse(process.argv[1]);
  const pids = [s.proxy.pid, ...s.services.flatMap((v) => v.instances.map((i) => i.pid))];
  for (const p of pids) if (Number.isInteger(p)) console.log(p);
' "$status_json")
pids+=("${more[@]}")

step "through the proxy"
body="$(node -e '
  const req = require("node:http").get({ host: "127.0.0.1", port: Number(process.argv[1]), path: "/index.html", headers: { host: "app.localhost" }, timeout: 5000 }, (res) => {
    let text = "";
    res.on("data", (c) => (text += c));
    res.on("end", () => { process.stdout.write(`${res.statusCode} ${text.trim()}`); });
  });
  req.on("timeout", () => req.destroy(new Error("no answer within 5s")));
  req.on("error", (err) => { console.error(err.message); process.exit(1); });
' "$port")"
[ "$body" = "200 hello from a fresh install" ] || { echo "install-test: the proxy answered \"$body\"" >&2; exit 1; }
echo "ok: $body"

step "slipway stop"
slipway stop
for pid in "${pids[@]}"; do
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then echo "install-test: pid $pid still runs after slipway stop" >&2; exit 1; fi
done
step "install test passed"
