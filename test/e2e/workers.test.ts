// Workers: processes without an HTTP endpoint, beside a web service, on real processes. One
// worker has no check (running is healthy), one a command check, one a TCP check (python's
// http.server as the listener nobody here wrote). They deploy in dependsOn order, take no
// traffic and are not in the proxy's table; a new release replaces each (new one up and
// healthy first, then the old one stops); a worker whose check never passes fails the deploy
// with its check named, and the worker that ran keeps running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { cli, destroyProject, makeProject, setVersion, type Project } from '../helpers/e2e-project.js';
import { isPidAlive } from '../../src/lib/pid-alive.js';

const TICKER = `
const fs = require('node:fs');
fs.mkdirSync('out', { recursive: true });
const version = fs.readFileSync('version.txt', 'utf8').trim();
setInterval(() => fs.writeFileSync('out/beat-' + process.pid, version + ' ' + Date.now()), 100);
setTimeout(() => fs.writeFileSync('ready', 'yes'), 300);
`;

function get(p: Project, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: p.port, path: '/', headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

function yaml(p: Project, checkFile: string): string {
  const timing = ['    instances: 1', '    drain: 1s', '    keepWarm: 10m', '    watch: 500ms', '    stopTimeout: 2s'];
  return [
    'version: 1',
    `proxy: { http: ${p.port}, host: 127.0.0.1 }`,
    'services:',
    '  web:',
    '    source: ./app',
    '    run: node server.js',
    '    routes: [{ host: web.localhost }]',
    '    health: { path: /health, interval: 200ms, timeout: 1s, rise: 2, fall: 2, startTimeout: 20s }',
    ...timing,
    '  ticker:',
    '    kind: worker',
    '    source: ./ticker',
    '    run: node ticker.js',
    '    dependsOn: [web]',
    '    volumes: { out: {} }',
    '    health: { interval: 100ms, rise: 3, startTimeout: 10s }',
    ...timing,
    '  checked:',
    '    kind: worker',
    '    source: ./ticker',
    '    run: node ticker.js',
    `    health: { command: "test -f ${checkFile}", interval: 200ms, timeout: 1s, rise: 2, startTimeout: 4s }`,
    ...timing,
    '  listener:',
    '    kind: worker',
    '    source: ./ticker',
    '    run: exec python3 -m http.server $PORT --bind 127.0.0.1',
    '    health: { tcp: true, interval: 200ms, timeout: 1s, rise: 2, startTimeout: 20s }',
    ...timing,
    '',
  ].join('\n');
}

test('workers without HTTP: no-check, command and TCP checks; in order, outside the proxy, replaced new-then-old; a failing check keeps the old worker', { timeout: 180_000 }, async () => {
  const p = await makeProject();
  try {
    const ticker = join(p.dir, 'ticker');
    await mkdir(ticker, { recursive: true });
    await writeFile(join(ticker, 'ticker.js'), TICKER);
    const version = async (v: string) => {
      await writeFile(join(ticker, 'version.txt'), `${v}\n`);
      await setVersion(p, v);
    };
    await version('v1');
    await writeFile(p.configFile, yaml(p, 'ready'));
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    const first = await cli(p, ['deploy', '--json']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.deepEqual(first.json.results.map((r: { service: string; outcome: string }) => `${r.service}:${r.outcome}`), ['web:succeeded', 'checked:succeeded', 'listener:succeeded', 'ticker:succeeded'], 'level by level: ticker (dependsOn web) after the three independent ones');

    const pidsOf = async () => {
      const status = await cli(p, ['status', '--json']);
      return Object.fromEntries(status.json.services.map((s: { name: string; instances: { pid?: number; state: string; role: string }[] }) => [s.name, s.instances.filter((i) => i.role === 'active').map((i) => i.pid)]));
    };
    const before = await pidsOf();
    for (const name of ['ticker', 'checked', 'listener']) assert.equal(before[name].length, 1, `${name} runs one instance`);
    // Workers take no traffic: only web is routed.
    assert.equal(await get(p, 'web.localhost'), 200);
    const table = JSON.parse(await readFile(join(p.stateDir, 'proxy', 'table.json'), 'utf8'));
    assert.deepEqual(Object.keys(table.services).map((k: string) => k.split('/').pop()), ['web'], 'the proxy knows only the web service');

    // A new release of every worker: the new instance is up before the old one stops.
    await version('v2');
    const second = await cli(p, ['deploy', '--json']);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    const after = await pidsOf();
    for (const name of ['ticker', 'checked', 'listener']) {
      assert.notDeepEqual(after[name], before[name], `${name} was replaced`);
      assert.ok(isPidAlive(after[name][0]), `${name}'s new instance runs`);
    }
    const beats = await cli(p, ['volumes', '--json']);
    const out = beats.json.volumes.find((v: { name: string }) => v.name === 'out');
    const newBeat = await readFile(join(out.dir, `beat-${after.ticker[0]}`), 'utf8');
    assert.match(newBeat, /^v2 /);

    // A check that never passes: the deploy of `checked` fails naming its command, the v2 worker keeps running.
    await version('v3');
    await writeFile(p.configFile, yaml(p, 'never-there'));
    const failing = await cli(p, ['deploy', 'checked', '--json']);
    assert.notEqual(failing.code, 0, failing.stdout);
    assert.equal(failing.json.error.code, 'SLW_HEALTH_TIMEOUT');
    assert.match(failing.json.error.message, /`test -f never-there`/);
    const kept = await pidsOf();
    assert.deepEqual(kept.checked, after.checked);
    assert.ok(isPidAlive(kept.checked[0]));
  } finally {
    await destroyProject(p);
  }
});
