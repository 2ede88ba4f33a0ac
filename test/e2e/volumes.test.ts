// Volumes: persistent directories linked into every release. Two services of one project: a
// json-server-style app that writes its data file into a volume, and python's http.server
// serving uploads from another. Data written in one release is there after deploys and
// rollbacks; the source's own copy only seeds the volume the first time; retention never
// touches it; `slipway volumes` lists both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { cli, destroyProject, instancePids, makeProject, type Project } from '../helpers/e2e-project.js';

const NOTES_APP = `
const http = require('node:http');
const fs = require('node:fs');
const file = 'data/db.json';
const version = fs.readFileSync('version.txt', 'utf8').trim();
http.createServer((req, res) => {
  if (req.url === '/health') return res.end('ok');
  const db = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (req.method === 'POST') {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      db.notes.push(body);
      fs.writeFileSync(file + '.tmp', JSON.stringify(db));
      fs.renameSync(file + '.tmp', file);
      res.end(JSON.stringify({ version, notes: db.notes }));
    });
    return;
  }
  res.end(JSON.stringify({ version, notes: db.notes }));
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

function call(p: Project, host: string, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: p.port, method, path, headers: { host } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('volumes keep two services\' data across deploys and rollbacks; the source seeds them once; `slipway volumes` lists them; `remove` keeps them unless --volumes', { timeout: 180_000 }, async () => {
  const p = await makeProject();
  try {
    const notes = join(p.dir, 'notes');
    const files = join(p.dir, 'files');
    await mkdir(join(notes, 'data'), { recursive: true });
    await mkdir(files, { recursive: true });
    await writeFile(join(notes, 'server.js'), NOTES_APP);
    await writeFile(join(notes, 'data', 'db.json'), JSON.stringify({ notes: ['seeded from the source'] }));
    await writeFile(join(files, 'health'), 'ok\n');
    const health = '    health: { path: /health, interval: 200ms, timeout: 1s, rise: 2, fall: 2, startTimeout: 20s }';
    const timing = ['    instances: 1', '    drain: 1s', '    keepWarm: 10m', '    watch: 500ms', '    stopTimeout: 3s'];
    await writeFile(
      p.configFile,
      [
        'version: 1',
        `proxy: { http: ${p.port}, host: 127.0.0.1 }`,
        'services:',
        '  notes:',
        '    source: ./notes',
        '    run: node server.js',
        '    routes: [{ host: notes.localhost }]',
        '    volumes: { data: { path: ./data } }',
        health,
        ...timing,
        '  files:',
        '    source: ./files',
        '    run: exec python3 -m http.server $PORT --bind 127.0.0.1',
        '    routes: [{ host: files.localhost }]',
        '    volumes: { uploads: {} }',
        health,
        ...timing,
        '',
      ].join('\n'),
    );
    const deployAs = async (version: string) => {
      await writeFile(join(notes, 'version.txt'), `${version}\n`);
      const r = await cli(p, ['deploy', '--json']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    };
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    await deployAs('v1');
    for (const note of ['one', 'two']) assert.equal((await call(p, 'notes.localhost', 'POST', '/', note)).status, 200);
    const listed = await cli(p, ['volumes', '--json']);
    const byName = Object.fromEntries(listed.json.volumes.map((v: { name: string; dir: string; services: string[] }) => [v.name, v]));
    assert.deepEqual(Object.keys(byName).sort(), ['data', 'uploads']);
    assert.deepEqual(byName.data.services, ['notes']);
    assert.deepEqual(byName.uploads.services, ['files']);
    // An upload lands in the files service's volume (as an app would write it).
    await writeFile(join(byName.uploads.dir, 'report.txt'), 'uploaded in r1\n');
    // The source's copy changes: it seeded the volume once and is not copied again.
    await writeFile(join(notes, 'data', 'db.json'), JSON.stringify({ notes: ['a new seed nobody should see'] }));

    const expectNotes = async (version: string, list: string[]) => {
      const got = JSON.parse((await call(p, 'notes.localhost', 'GET', '/')).text);
      assert.deepEqual(got, { version, notes: list });
    };
    const expectUpload = async () => assert.equal((await call(p, 'files.localhost', 'GET', '/uploads/report.txt')).text, 'uploaded in r1\n');

    await deployAs('v2');
    await expectNotes('v2', ['seeded from the source', 'one', 'two']);
    await expectUpload();
    await call(p, 'notes.localhost', 'POST', '/', 'three');
    const back = await cli(p, ['rollback', '--json']);
    assert.equal(back.code, 0, back.stdout + back.stderr);
    await expectNotes('v1', ['seeded from the source', 'one', 'two', 'three']);
    await expectUpload();
    // More deploys than releases kept (5): retention prunes releases, never the volume.
    for (let i = 3; i <= 8; i++) await deployAs(`v${i}`);
    await expectNotes('v8', ['seeded from the source', 'one', 'two', 'three']);
    await expectUpload();
    assert.deepEqual(JSON.parse(await readFile(join(byName.data.dir, 'db.json'), 'utf8')).notes.length, 4);

    // Removing a service: refused without a terminal or --yes (nothing changes), then its
    // routes and instances go, its volume stays; --volumes deletes the other's volume.
    const unconfirmed = await cli(p, ['remove', 'files', '--json']);
    assert.equal(unconfirmed.json.error.code, 'SLW_CONFIRMATION_REQUIRED');
    await expectUpload();
    const removed = await cli(p, ['remove', 'files', '--yes', '--json']);
    assert.equal(removed.code, 0, removed.stdout + removed.stderr);
    // The serving instance, the warm one, and an older one if the reaper has not stopped it yet.
    assert.ok(removed.json.stopped >= 2, `stopped ${removed.json.stopped}`);
    const left = await instancePids(p);
    const notesPids = (await cli(p, ['status', '--json'])).json.services.find((x: { name: string }) => x.name === 'notes').instances.map((i: { pid?: number }) => i.pid);
    assert.ok(left.length > 0 && left.every((pid) => notesPids.includes(pid)), `instances left ${left.join(',')}, notes has ${notesPids.join(',')}`);
    assert.deepEqual(removed.json.keptVolumes, ['uploads']);
    assert.equal(removed.json.stillInConfig, true);
    assert.equal((await call(p, 'files.localhost', 'GET', '/uploads/report.txt')).status, 404);
    await expectNotes('v8', ['seeded from the source', 'one', 'two', 'three']);
    assert.equal(await readFile(join(byName.uploads.dir, 'report.txt'), 'utf8'), 'uploaded in r1\n', 'the volume stays');
    const status = await cli(p, ['status', '--json']);
    assert.deepEqual(status.json.services.map((x: { name: string }) => x.name), ['notes']);
    const gone = await cli(p, ['remove', 'notes', '--yes', '--volumes', '--json']);
    assert.deepEqual(gone.json.volumes, ['data']);
    assert.equal((await cli(p, ['volumes', '--json'])).json.volumes.map((v: { name: string }) => v.name).join(), 'uploads');
  } finally {
    await destroyProject(p);
  }
});
