// Acceptance of stacks on real processes: a real PostgreSQL (Debian's binaries) as an
// accessory started by slipway from the config with its volume and as its own user, an API
// that runs a real migration in `release:` and reads DATABASE_URL from the db's outputs, and
// a worker without HTTP writing through the same output. `deploy` brings them up in order; the
// notes written through the API survive 5 API deploys and a PostgreSQL restart in place (same
// port, so the API keeps its address); a db release that cannot start is stopped and the one
// that ran starts again on that port; a failing migration stops the deploy with 0 failed
// requests and the old release serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { cli, destroyProject, makeProject, waitFor, type Project } from '../helpers/e2e-project.js';
import { HostLoad } from '../helpers/host-load.js';
import { pgBinDir } from '../helpers/postgres-cluster.js';

const RUN_DB = `#!/bin/sh
# First start: make the cluster in the volume; then run PostgreSQL in the foreground.
set -e
DATA="$1"
[ -z "$BREAK" ] || { echo "refusing to start: BREAK is set" >&2; exit 3; }
[ -f "$DATA/PG_VERSION" ] || "$PGBIN/initdb" -D "$DATA" -U app --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
exec "$PGBIN/postgres" -D "$DATA" -p "$PORT" -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off
`;

const SQL = `
const { execFileSync } = require('node:child_process');
module.exports = (text) => execFileSync(process.env.PSQL, [process.env.DATABASE_URL, '-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-c', text], { encoding: 'utf8' }).trim();
`;

const MIGRATE = `
const fs = require('node:fs');
const sql = require('./sql.js');
const version = fs.readFileSync('version.txt', 'utf8').trim();
sql('CREATE TABLE IF NOT EXISTS notes (id serial PRIMARY KEY, body text NOT NULL)');
sql('CREATE TABLE IF NOT EXISTS beats (at timestamptz DEFAULT now())');
sql('CREATE TABLE IF NOT EXISTS migrations (version text, at timestamptz DEFAULT now())');
if (version === 'bad') sql('ALTER TABLE notes ADD COLUMN body text');
sql("INSERT INTO migrations (version) VALUES ('" + version + "')");
console.log('migrated to ' + version);
`;

const SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const sql = require('./sql.js');
const version = fs.readFileSync('version.txt', 'utf8').trim();
http.createServer((req, res) => {
  try {
    if (req.url === '/health') return res.end('ok');
    if (req.method === 'POST' && req.url.startsWith('/notes/')) {
      sql("INSERT INTO notes (body) VALUES ('" + req.url.slice(7).replace(/[^a-z0-9-]/g, '') + "')");
      return res.end('saved');
    }
    if (req.url === '/notes') return res.end(sql('SELECT string_agg(body, \\',\\' ORDER BY id) FROM notes'));
    if (req.url === '/migrations') return res.end(sql('SELECT count(*) FROM migrations'));
    if (req.url === '/beats') return res.end(sql('SELECT count(*) FROM beats'));
    res.end('api ' + version);
  } catch (err) {
    res.statusCode = 500;
    res.end(String(err.message));
  }
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

const WORKER = `
const sql = require('./sql.js');
setInterval(() => { try { sql('INSERT INTO beats DEFAULT VALUES'); } catch {} }, 300);
`;

function yaml(p: Project, bin: string, dbEnv: string): string {
  return `version: 1
proxy: { http: ${p.port}, host: 127.0.0.1 }
services:
  worker:
    kind: worker
    source: ./api
    run: node worker.js
    dependsOn: [api, db]
    env: { DATABASE_URL: "\${service:db.url}", PSQL: ${bin}/psql }
    health: { interval: 200ms, rise: 2, startTimeout: 10s }
    watch: 500ms
    stopTimeout: 2s
  api:
    source: ./api
    run: node server.js
    release: node migrate.js
    dependsOn: [db]
    env: { DATABASE_URL: "\${service:db.url}", PSQL: ${bin}/psql }
    routes: [{ host: api.localhost }]
    health: { path: /health, interval: 200ms, timeout: 1s, rise: 2, fall: 2, startTimeout: 20s }
    instances: 1
    drain: 2s
    watch: 500ms
    stopTimeout: 2s
  db:
    kind: accessory
    source: ./db
    user: postgres
    run: sh run.sh \${volume:pgdata}
    volumes: { pgdata: {} }
    env: { PGBIN: ${bin}${dbEnv} }
    health: { command: "${bin}/pg_isready -q -h 127.0.0.1 -p $PORT", interval: 300ms, timeout: 2s, rise: 1, startTimeout: 60s }
    outputs: { url: "postgres://app@\${host}:\${port}/postgres" }
    stopTimeout: 20s
`;
}

function call(p: Project, method: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: p.port, path, method, headers: { host: 'api.localhost' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const setApi = (p: Project, v: string) => writeFile(join(p.dir, 'api', 'version.txt'), `${v}\n`);

test('PostgreSQL accessory + migrating API + worker: in order; data survives 5 API deploys and a db restart; a failing migration moves nothing under load', { timeout: 240_000 }, async (t) => {
  const began = Date.now();
  const mark = (what: string) => t.diagnostic(`${((Date.now() - began) / 1000).toFixed(1)} s: ${what}`);
  const p = await makeProject();
  let load: HostLoad | undefined;
  try {
    const bin = pgBinDir();
    // The postgres user must reach the state directory (slipway opens the rest of the path to it).
    await chmod(p.dir, 0o711);
    await mkdir(join(p.dir, 'db'), { recursive: true });
    await mkdir(join(p.dir, 'api'), { recursive: true });
    await writeFile(join(p.dir, 'db', 'run.sh'), RUN_DB);
    for (const [file, text] of [['sql.js', SQL], ['migrate.js', MIGRATE], ['server.js', SERVER], ['worker.js', WORKER]] as const) await writeFile(join(p.dir, 'api', file), text);
    await setApi(p, 'v1');
    await writeFile(p.configFile, yaml(p, bin, ''));
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    mark('daemon up');

    const first = await cli(p, ['deploy', '--json']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.deepEqual(first.json.results.map((r: { service: string; outcome: string }) => `${r.service} ${r.outcome}`), ['db succeeded', 'api succeeded', 'worker succeeded'], 'dependsOn order, not file order');
    for (const note of ['alpha', 'beta', 'gamma']) assert.equal((await call(p, 'POST', `/notes/${note}`)).body, 'saved');
    mark('stack deployed');
    for (const r of first.json.results) t.diagnostic(`${r.service}: ${JSON.stringify(r.report?.steps)}`);
    await waitFor('worker beats in the database', async () => Number((await call(p, 'GET', '/beats')).body) > 2);

    load = new HostLoad(p.port, ['api.localhost'], (_h, body) => /^api v\d+$/.test(body.trim()), 40);
    for (let v = 2; v <= 6; v++) {
      await setApi(p, `v${v}`);
      const at = Date.now();
      const d = await cli(p, ['deploy', 'api', '--json']);
      assert.equal(d.code, 0, d.stdout + d.stderr);
      t.diagnostic(`deploy ${v}: ${Date.now() - at} ms by the clock, ${d.json.results[0].durationMs} ms in the daemon`);
      assert.equal((await call(p, 'GET', '/')).body, `api v${v}`);
    }
    mark('5 API deploys');
    assert.equal((await call(p, 'GET', '/notes')).body, 'alpha,beta,gamma', 'notes survive 5 API deploys');
    assert.equal((await call(p, 'GET', '/migrations')).body, '6', 'one migration per deploy');

    const unchanged = await cli(p, ['deploy', 'db', '--json']);
    assert.equal(unchanged.code, 0, unchanged.stdout + unchanged.stderr);
    assert.equal(unchanged.json.results[0].release, 'r1', 'an accessory whose config did not change keeps running');

    // A config change restarts PostgreSQL in place, on the same port: the API keeps its DATABASE_URL.
    await writeFile(p.configFile, yaml(p, bin, ', RESTARTED: "1"'));
    const restart = await cli(p, ['deploy', 'db', '--json']);
    assert.equal(restart.code, 0, restart.stdout + restart.stderr);
    assert.equal(restart.json.results[0].release, 'r2');
    mark('db restarted in place');
    t.diagnostic(JSON.stringify(restart.json.results[0].report?.steps));
    assert.equal((await call(p, 'POST', '/notes/delta')).body, 'saved', 'the API reaches the restarted db at the same address');
    assert.equal((await call(p, 'GET', '/notes')).body, 'alpha,beta,gamma,delta', 'notes survive a PostgreSQL restart');

    // A db release that cannot start is stopped, and the release that ran starts again on its port.
    await writeFile(p.configFile, yaml(p, bin, ', RESTARTED: "1", BREAK: "1"'));
    const broken = await cli(p, ['deploy', 'db', '--json']);
    assert.notEqual(broken.code, 0, broken.stdout);
    assert.match(broken.stdout + broken.stderr, /SLW_INSTANCE_EXITED/);
    assert.equal((await call(p, 'GET', '/notes')).body, 'alpha,beta,gamma,delta', 'the previous db release runs again at the same address');
    mark('broken db release put back');
    await writeFile(p.configFile, yaml(p, bin, ', RESTARTED: "1"'));

    await setApi(p, 'bad');
    const failed = await cli(p, ['deploy', 'api', '--json']);
    assert.notEqual(failed.code, 0, failed.stdout);
    assert.match(failed.stdout + failed.stderr, /SLW_RELEASE_HOOK_FAILED/);
    assert.match(failed.stdout + failed.stderr, /already exists/);
    mark('failing migration');
    await new Promise((r) => setTimeout(r, 500));
    await load.stop();
    assert.deepEqual(load.failures, [], load.failures.slice(0, 5).join(' | '));
    assert.ok(load.ok > 100, `${load.ok} requests answered`);
    assert.equal((await call(p, 'GET', '/')).body, 'api v6', 'the old release serves');
    assert.equal((await call(p, 'GET', '/notes')).body, 'alpha,beta,gamma,delta');
    await cli(p, ['daemon', 'stop']);
  } finally {
    await load?.stop().catch(() => undefined);
    await destroyProject(p);
  }
});
