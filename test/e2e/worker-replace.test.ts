// Worker replacement, on real processes: `replace: stop-first` stops the old worker before the
// new one starts (never two at once: a queue consumer that must run alone), while the default
// (overlap) starts the new one, waits for it, then stops the old one. Each worker stamps its
// start and its beats into its own volume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, destroyProject, makeProject, type Project } from '../helpers/e2e-project.js';
import { workerLives } from '../helpers/worker-lives.js';

const TICKER = `
const fs = require('node:fs');
fs.mkdirSync('out', { recursive: true });
fs.writeFileSync('out/start-' + process.pid, String(Date.now()));
setInterval(() => fs.writeFileSync('out/beat-' + process.pid, String(Date.now())), 50);
`;

function yaml(p: Project, version: string): string {
  const worker = (name: string, replace: string) =>
    [`  ${name}:`, '    kind: worker', '    source: ./ticker', '    run: node ticker.js', `    env: { VERSION: "${version}" }`, `    volumes: { ${name}-out: { path: ./out } }`, ...(replace ? [`    replace: ${replace}`] : []), '    health: { interval: 100ms, rise: 3, startTimeout: 10s }', '    watch: 300ms', '    keepWarm: 0s', '    stopTimeout: 2s'].join('\n');
  return `version: 1\nproxy: { http: ${p.port}, host: 127.0.0.1 }\nservices:\n${worker('alone', 'stop-first')}\n${worker('overlap', '')}\n`;
}

const lives = (p: Project, volume: string) => workerLives(p.stateDir, volume);

test('a stop-first worker never runs twice at once; an overlapping one does, new before old stops', { timeout: 120_000 }, async () => {
  const p = await makeProject();
  try {
    await mkdir(join(p.dir, 'ticker'), { recursive: true });
    await writeFile(join(p.dir, 'ticker', 'ticker.js'), TICKER);
    await writeFile(p.configFile, yaml(p, 'v1'));
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    const first = await cli(p, ['deploy', '--json']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    await new Promise((r) => setTimeout(r, 500));
    await writeFile(p.configFile, yaml(p, 'v2'));
    const second = await cli(p, ['deploy', '--json']);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    await new Promise((r) => setTimeout(r, 1500));
    const alone = await lives(p, 'alone-out');
    assert.equal(alone.length, 2, JSON.stringify(alone));
    const [oldA, newA] = alone as [(typeof alone)[0], (typeof alone)[0]];
    assert.ok(oldA.last < newA.start, `stop-first: the old worker's last beat (${oldA.last}) comes before the new one starts (${newA.start})`);
    const overlap = await lives(p, 'overlap-out');
    assert.equal(overlap.length, 2, JSON.stringify(overlap));
    const [oldO, newO] = overlap as [(typeof overlap)[0], (typeof overlap)[0]];
    assert.ok(oldO.last > newO.start, `overlap: the old worker still beats (${oldO.last}) after the new one started (${newO.start})`);
    await cli(p, ['daemon', 'stop']);
  } finally {
    await destroyProject(p);
  }
});
