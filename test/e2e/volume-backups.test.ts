// Issue 13 (volumes as backup sources), through the CLI and a real daemon: a json-server-style
// Python app keeps its items in db.json inside a volume (rewritten whole on every POST: temp
// file, then rename). `backups.sources.items: { volume: data }` is backed up while a client
// keeps posting (the copy is made again when the volume changed under it), verified, listed
// with its volume, drilled; restored into a scratch copy whose db.json parses and holds a
// prefix of what was posted; the data survives a deploy; an in-place restore (`--force`, a
// safety backup first) brings the volume back to the backup's items, which survive the next
// deploy too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { generateBackupKey } from '../../src/backup/age-adapter.js';
import { cli, destroyProject, makeProject, setVersion, type Project } from '../helpers/e2e-project.js';

const APP = `
import json, os, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DB = os.path.join('data', 'db.json')

def load():
    try:
        with open(DB) as f:
            return json.load(f)
    except FileNotFoundError:
        return {'items': []}

class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass
    def answer(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header('content-type', 'application/json')
        self.send_header('content-length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        if self.path == '/health':
            return self.answer(200, {'ok': True})
        self.answer(200, load())
    def do_POST(self):
        item = json.loads(self.rfile.read(int(self.headers['content-length'])))
        db = load()
        db['items'].append(item)
        tmp = DB + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(db, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, DB)
        self.answer(201, item)

ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(('127.0.0.1', int(os.environ['PORT'])), Handler).serve_forever()
`;

function configYaml(p: Project, key: string): string {
  return `version: 1
proxy: { http: ${p.port}, host: 127.0.0.1 }
backups:
  key: ${key}
  targets:
    local: { dir: ./backups }
  sources:
    items: { volume: data }
services:
  api:
    source: ./app
    run: python3 -u server.py
    routes:
      - host: api.localhost
    health: { path: /health, interval: 200ms, timeout: 1s, rise: 2, fall: 2, startTimeout: 20s }
    instances: 1
    drain: 2s
    watch: 500ms
    stopTimeout: 3s
    volumes: { data: {} }
`;
}

function call(p: Project, method: 'GET' | 'POST', body?: unknown): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- the app's JSON answer, its shape asserted where it is read
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request({ host: '127.0.0.1', port: p.port, path: '/items', method, headers: { host: 'api.localhost', ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString() || 'null') }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

const ids = (db: { items: { n: number }[] }): number[] => db.items.map((i) => i.n);

test('a volume as a backup source: backed up while the app writes, verified, drilled, restored into a scratch copy and in place; the data survives deploys', { timeout: 240_000 }, async () => {
  const p = await makeProject();
  try {
    await writeFile(join(p.appDir, 'server.py'), APP);
    const { identity } = await generateBackupKey();
    await writeFile(p.configFile, configYaml(p, identity));
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    await setVersion(p, 'v1');
    const first = await cli(p, ['deploy']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    let n = 0;
    for (; n < 5; n++) assert.equal((await call(p, 'POST', { n })).status, 201);

    // A backup while a client keeps posting (about every 40 ms).
    let writing = true;
    const writer = (async () => {
      while (writing) {
        assert.equal((await call(p, 'POST', { n: n++ })).status, 201);
        await new Promise((r) => setTimeout(r, 40));
      }
    })();
    const run = await cli(p, ['backup', 'run', '--json']);
    writing = false;
    await writer;
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(n > 8, `the client kept posting during the backup (${n - 5} items)`);
    const backup = run.json.backups[0];
    assert.equal(backup.state, 'verified', run.stdout);
    assert.equal(backup.kind, 'dir');
    assert.equal(backup.volume, 'data');
    const list = await cli(p, ['backup', 'list', '--json']);
    assert.deepEqual(list.json.backups.map((b: { id: string; source: string; volume: string; state: string }) => [b.id, b.source, b.volume, b.state]), [[backup.id, 'items', 'data', 'verified']]);
    const verify = await cli(p, ['backup', 'verify', backup.id, '--json']);
    assert.deepEqual(verify.json.results.map((r: { ok: boolean }) => r.ok), [true], verify.stdout);
    const drill = await cli(p, ['backup', 'drill', '--json']);
    assert.equal(drill.code, 0, drill.stdout + drill.stderr);
    assert.deepEqual(drill.json.drills.map((d: { source: string; ok: boolean }) => [d.source, d.ok]), [['items', true]], drill.stdout);

    // The scratch copy: a whole db.json (never torn), holding a prefix of what was posted.
    const scratch = await cli(p, ['backup', 'restore', backup.id, '--json']);
    assert.equal(scratch.code, 0, scratch.stdout + scratch.stderr);
    assert.ok(scratch.json.restore.restoredTo.startsWith(join(p.stateDir, 'backups', 'restored')), scratch.json.restore.restoredTo);
    const saved = JSON.parse(await readFile(join(scratch.json.restore.restoredTo, 'db.json'), 'utf8')) as { items: { n: number }[] };
    const backedUp = ids(saved);
    assert.ok(backedUp.length >= 5, `${backedUp.length} items in the backup`);
    assert.deepEqual(backedUp, [...Array(backedUp.length).keys()], 'the items posted before the copy, in order');
    const volumes = await cli(p, ['volumes', '--json']);
    assert.equal(volumes.code, 0, volumes.stdout + volumes.stderr);
    assert.deepEqual(JSON.stringify(volumes.json).match(/"name":"[^"]+"/g), ['"name":"data"'], 'the scratch copy is not a volume');

    // A deploy keeps the volume; then more items, then the backup in place.
    await setVersion(p, 'v2');
    assert.equal((await cli(p, ['deploy'])).code, 0);
    const all = ids((await call(p, 'GET')).json);
    assert.equal(all.length, n, 'every item survived the deploy');
    assert.equal((await call(p, 'POST', { n: 'after-backup' })).status, 201);
    const inPlace = await cli(p, ['backup', 'restore', backup.id, '--force', '--json']);
    assert.equal(inPlace.code, 0, inPlace.stdout + inPlace.stderr);
    assert.ok(inPlace.json.restore.safetyBackup, 'a safety backup was taken first');
    assert.deepEqual(ids((await call(p, 'GET')).json), backedUp, 'the app reads the restored volume');
    await setVersion(p, 'v3');
    assert.equal((await cli(p, ['deploy'])).code, 0);
    assert.deepEqual(ids((await call(p, 'GET')).json), backedUp, 'the restored data survives the next deploy');
    // The safety backup holds what the restore replaced (the item posted after the backup).
    const safety = await cli(p, ['backup', 'restore', inPlace.json.restore.safetyBackup, '--to', join(p.dir, 'safety'), '--json']);
    assert.equal(safety.code, 0, safety.stdout + safety.stderr);
    assert.equal(ids(JSON.parse(await readFile(join(p.dir, 'safety', 'db.json'), 'utf8'))).at(-1), 'after-backup');
  } finally {
    await destroyProject(p).catch(() => undefined);
  }
});
