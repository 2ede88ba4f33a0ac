// Volume backup sources of two services, through the CLI and a real daemon: a real PostgreSQL
// accessory (Debian's binaries, its data directory in volume db/pgdata) and an API that, for
// each note posted, inserts a row into PostgreSQL and writes a file into its own volume
// api/uploads. Both are backed up while a client keeps posting: the running PostgreSQL's volume
// is read by pg_basebackup (not copied file by file), the uploads by the file copy. Both are
// verified and drilled; the PostgreSQL backup restored into a scratch copy starts as a
// PostgreSQL server of its own and holds every note posted before the backup began, in order;
// the uploads copy holds whole files. An in-place restore under the running server is refused
// (SLW_BACKUP_RESTORE_IN_USE), changing nothing. Restored in place as the docs say (remove the accessory,
// restore --force, deploy it): the accessory runs on the backup's data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { freePort } from '../../src/lib/free-port.js';
import { runCapture } from '../../src/release/run-capture.js';
import { cli, destroyProject, makeProject, waitFor, type Project } from '../helpers/e2e-project.js';
import { pgBinDir } from '../helpers/postgres-cluster.js';

const RUN_DB = `#!/bin/sh
set -e
DATA="$1"
[ -f "$DATA/PG_VERSION" ] || "$PGBIN/initdb" -D "$DATA" -U app --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
exec "$PGBIN/postgres" -D "$DATA" -p "$PORT" -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off
`;

const SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');
const sql = (text) => execFileSync(process.env.PSQL, [process.env.DATABASE_URL, '-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-c', text], { encoding: 'utf8' }).trim();
sql('CREATE TABLE IF NOT EXISTS notes (id serial PRIMARY KEY, n integer NOT NULL)');
http.createServer((req, res) => {
  try {
    if (req.url === '/health') return res.end('ok');
    const m = /^\\/notes\\/(\\d+)$/.exec(req.url);
    if (req.method === 'POST' && m) {
      sql('INSERT INTO notes (n) VALUES (' + m[1] + ')');
      fs.writeFileSync('uploads/tmp', 'note ' + m[1] + '\\n'.repeat(1000));
      fs.renameSync('uploads/tmp', 'uploads/' + m[1] + '.txt');
      return res.end('saved');
    }
    res.end(sql('SELECT count(*) FROM notes'));
  } catch (err) {
    res.statusCode = 500;
    res.end(String(err.message));
  }
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

function yaml(p: Project, bin: string): string {
  return `version: 1
proxy: { http: ${p.port}, host: 127.0.0.1 }
backups:
  encrypt: false
  targets:
    local: { dir: ./backups }
  sources:
    db: { volume: db/pgdata }
    files: { volume: api/uploads }
services:
  api:
    source: ./api
    run: node server.js
    dependsOn: [db]
    env: { DATABASE_URL: "\${service:db.url}", PSQL: ${bin}/psql }
    routes: [{ host: api.localhost }]
    health: { path: /health, interval: 200ms, timeout: 1s, rise: 2, fall: 2, startTimeout: 20s }
    instances: 1
    drain: 1s
    watch: 300ms
    stopTimeout: 2s
    volumes: { uploads: {} }
  db:
    kind: accessory
    source: ./db
    user: postgres
    run: sh run.sh \${volume:pgdata}
    volumes: { pgdata: {} }
    env: { PGBIN: ${bin} }
    health: { command: "${bin}/pg_isready -q -h 127.0.0.1 -p $PORT", interval: 300ms, timeout: 2s, rise: 1, startTimeout: 60s }
    outputs: { url: "postgres://app@\${host}:\${port}/postgres" }
    stopTimeout: 20s
`;
}

function post(p: Project, n: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: p.port, path: `/notes/${n}`, method: 'POST', headers: { host: 'api.localhost' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

test('volumes of two services backed up while the app writes: a running PostgreSQL by pg_basebackup, uploads by file copy; verified, drilled, and the PostgreSQL copy starts and holds the notes', { skip: process.getuid?.() !== 0 && 'runs PostgreSQL as user postgres', timeout: 240_000 }, async () => {
  const p = await makeProject();
  let restoredServer: ReturnType<typeof spawn> | undefined;
  try {
    const bin = pgBinDir();
    await chmod(p.dir, 0o711);
    await mkdir(join(p.dir, 'db'), { recursive: true });
    await mkdir(join(p.dir, 'api', 'uploads'), { recursive: true });
    await writeFile(join(p.dir, 'db', 'run.sh'), RUN_DB);
    await writeFile(join(p.dir, 'api', 'server.js'), SERVER);
    await writeFile(p.configFile, yaml(p, bin));
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    const first = await cli(p, ['deploy', '--json']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    let n = 0;
    for (; n < 10; n++) assert.equal(await post(p, n), 'saved');

    let writing = true;
    const writer = (async () => {
      while (writing) {
        assert.equal(await post(p, n), 'saved');
        n++;
        await new Promise((r) => setTimeout(r, 30));
      }
    })();
    const before = n;
    const run = await cli(p, ['backup', 'run', '--json']);
    writing = false;
    await writer;
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(n > before + 3, `the client kept posting during the backups (${n - before} notes)`);
    const bySource = Object.fromEntries(run.json.backups.map((b: { source: string }) => [b.source, b])) as Record<string, { id: string; state: string; kind: string; volume: string }>;
    assert.deepEqual(Object.keys(bySource).sort(), ['db', 'files']);
    for (const [source, volume] of [['db', 'pgdata'], ['files', 'uploads']] as const) {
      assert.equal(bySource[source]?.state, 'verified', run.stdout);
      assert.equal(bySource[source]?.volume, volume);
    }
    const drill = await cli(p, ['backup', 'drill', '--json']);
    assert.equal(drill.code, 0, drill.stdout + drill.stderr);
    assert.deepEqual(drill.json.drills.map((d: { source: string; ok: boolean }) => `${d.source}:${d.ok}`).sort(), ['db:true', 'files:true'], drill.stdout);

    // The uploads: every file whole.
    const files = await cli(p, ['backup', 'restore', bySource['files']!.id, '--json']);
    assert.equal(files.code, 0, files.stdout + files.stderr);
    const uploads = (await readdir(files.json.restore.restoredTo)).filter((f) => f.endsWith('.txt'));
    assert.ok(uploads.length >= before, `${uploads.length} uploads backed up`);
    for (const f of uploads) assert.equal(await readFile(join(files.json.restore.restoredTo, f), 'utf8'), `note ${f.slice(0, -4)}${'\n'.repeat(1000)}`);

    // The PostgreSQL copy starts as a server of its own and holds the notes posted before the backup.
    const db = await cli(p, ['backup', 'restore', bySource['db']!.id, '--json']);
    assert.equal(db.code, 0, db.stdout + db.stderr);
    const data = db.json.restore.restoredTo as string;
    assert.ok((await readdir(data)).includes('PG_VERSION'), 'a PostgreSQL data directory');
    assert.ok(!(await readdir(data)).includes('postmaster.pid'), 'taken by pg_basebackup, not copied from the running server');
    await runCapture(['chown', '-R', 'postgres:postgres', data], p.dir, process.env);
    await chmod(data, 0o700);
    const port = await freePort();
    const server = spawn('setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', join(bin, 'postgres'), '-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='], { stdio: 'ignore' });
    restoredServer = server;
    const psql = (text: string) => runCapture([join(bin, 'psql'), `postgres://app@127.0.0.1:${port}/postgres`, '-X', '-A', '-t', '-q', '-c', text], p.dir, process.env);
    const rows = await waitFor('the restored PostgreSQL answers', async () => {
      const r = await psql('SELECT string_agg(n::text, \',\' ORDER BY id) FROM notes');
      return r.code === 0 ? r.stdout.trim() : undefined;
    }, 30_000);
    const restored = rows.split(',').map(Number);
    assert.ok(restored.length >= before, `${restored.length} notes in the backup, ${before} posted before it`);
    assert.deepEqual(restored, [...Array(restored.length).keys()], 'a prefix of the notes, in order');

    // In place, as documented: remove the accessory (its volume stays), restore with --force, deploy it.
    assert.equal(await post(p, n++), 'saved', 'a note after the backup');
    // Not under the running server: refused, nothing changed, no safety backup taken.
    const live = await cli(p, ['backup', 'restore', bySource['db']!.id, '--force', '--json']);
    assert.notEqual(live.code, 0, live.stdout);
    assert.equal(live.json.error.code, 'SLW_BACKUP_RESTORE_IN_USE', live.stdout + live.stderr);
    assert.match(live.json.error.message, /holds a PostgreSQL that is running \(pid \d+, port \d+\); nothing was restored or changed/);
    assert.match(live.json.error.hint, /slipway remove SERVICE/);
    assert.equal((await cli(p, ['backup', 'list', '--json'])).json.backups.length, 2, 'no safety backup was taken');
    const removed = await cli(p, ['remove', 'db', '--yes']);
    assert.equal(removed.code, 0, removed.stdout + removed.stderr);
    const inPlace = await cli(p, ['backup', 'restore', bySource['db']!.id, '--force', '--json']);
    assert.equal(inPlace.code, 0, inPlace.stdout + inPlace.stderr);
    assert.ok(inPlace.json.restore.safetyBackup, 'a safety backup of the stopped cluster first');
    const back = await cli(p, ['deploy', 'db', '--json']);
    assert.equal(back.code, 0, back.stdout + back.stderr);
    const api = await cli(p, ['deploy', 'api', '--json']); // it reads the db's new address
    assert.equal(api.code, 0, api.stdout + api.stderr);
    const count = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: p.port, path: '/count', headers: { host: 'api.localhost' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(Number(count), restored.length, 'the accessory runs on the restored data: the notes of the backup, not the later ones');
  } finally {
    if (restoredServer?.pid !== undefined && restoredServer.exitCode === null) {
      const exited = new Promise((r) => restoredServer?.once('exit', r));
      process.kill(restoredServer.pid, 'SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    }
    await cli(p, ['daemon', 'stop']).catch(() => undefined);
    await destroyProject(p).catch(() => undefined);
  }
});
