// The release hook (`release:`), on real processes: two services, each with a migration that
// writes into its volume before the new instances start; one migration needs a secret. It runs
// once per deploy with the new release's code; a failing one stops the deploy under load with
// 0 failed requests, the old release serving, no new instance started, its last lines shown and
// the secret it printed redacted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI, cli, destroyProject, instancePids, makeProject, type Project } from '../helpers/e2e-project.js';
import { HostLoad } from '../helpers/host-load.js';

const PASSWORD = 'hook-secret-7c1e9a55d0';

const MIGRATE = `
const fs = require('node:fs');
const version = fs.readFileSync('version.txt', 'utf8').trim();
if (process.env.NEEDS_SECRET === '1' && process.env.DB_PASSWORD !== '${PASSWORD}') { console.error('no password'); process.exit(4); }
if (version === 'bad') { console.log('connecting with ' + (process.env.DB_PASSWORD || 'nothing')); console.error('migration 7 failed: column exists'); process.exit(2); }
fs.appendFileSync('data/migrations.log', process.env.SLIPWAY_RELEASE + ' ' + version + '\\n');
console.log('migrated to ' + version);
`;

const SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const version = fs.readFileSync('version.txt', 'utf8').trim();
http.createServer((req, res) => res.end(req.url === '/health' ? 'ok' : 'svc ' + process.env.NAME + ' ' + version)).listen(Number(process.env.PORT), '127.0.0.1');
`;

async function setVersions(p: Project, version: string): Promise<void> {
  for (const name of ['api', 'jobs']) await writeFile(join(p.dir, name, 'version.txt'), `${version}\n`);
}

test('release hooks of two services: once per deploy before the instances, with secrets; a failing one stops the deploy under load, nothing moves, the secret redacted', { timeout: 180_000 }, async () => {
  const p = await makeProject();
  let load: HostLoad | undefined;
  try {
    for (const name of ['api', 'jobs']) {
      await mkdir(join(p.dir, name, 'data'), { recursive: true });
      await writeFile(join(p.dir, name, 'migrate.js'), MIGRATE);
      await writeFile(join(p.dir, name, 'server.js'), SERVER);
    }
    await setVersions(p, 'v1');
    const service = (name: string, env: string) =>
      [
        `  ${name}:`,
        `    source: ./${name}`,
        '    run: node server.js',
        '    release: node migrate.js',
        `    routes: [{ host: ${name}.localhost }]`,
        '    volumes: { data: {} }',
        `    env: { NAME: ${name}${env} }`,
        '    health: { path: /health, interval: 200ms, timeout: 1s, rise: 2, fall: 2, startTimeout: 20s }',
        '    instances: 1',
        '    drain: 1s',
        '    watch: 500ms',
        '    stopTimeout: 2s',
      ].join('\n');
    await writeFile(
      p.configFile,
      `version: 1\nproxy: { http: ${p.port}, host: 127.0.0.1 }\nsecrets:\n  DB_PASSWORD: {}\nservices:\n${service('api', ', NEEDS_SECRET: "1", DB_PASSWORD: "${secret:DB_PASSWORD}"')}\n${service('jobs', '')}\n`,
    );
    const set = spawnSync(process.execPath, [CLI, 'secrets', 'set', 'DB_PASSWORD', '--config', p.configFile], { input: `${PASSWORD}\n`, cwd: p.dir, encoding: 'utf8' });
    assert.equal(set.status, 0, set.stderr);
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    const first = await cli(p, ['deploy', '--json']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const steps = (r: { report: { steps: { step: string }[] } }) => r.report.steps.map((s) => s.step);
    for (const r of first.json.results) assert.deepEqual(steps(r).slice(3, 6), ['build', 'release', 'start'], 'the hook runs after the build, before the start');
    await setVersions(p, 'v2');
    assert.equal((await cli(p, ['deploy', '--json'])).code, 0);
    const volumes = Object.fromEntries((await cli(p, ['volumes', '--json'])).json.volumes.map((v: { name: string; dir: string }) => [v.name, v.dir]));
    // Both services name their volume `data`: one volume of the project, both migrations append to it.
    assert.deepEqual((await readFile(join(volumes.data, 'migrations.log'), 'utf8')).trim().split('\n').sort(), ['r1 v1', 'r1 v1', 'r2 v2', 'r2 v2']);

    // A failing migration: the deploy stops before any new instance starts.
    load = new HostLoad(p.port, ['api.localhost', 'jobs.localhost'], (host, body) => body.startsWith(`svc ${host.split('.')[0]} v2`), 80);
    const pidsBefore = (await instancePids(p)).sort();
    await setVersions(p, 'bad');
    const failed = await cli(p, ['deploy', '--json']);
    assert.notEqual(failed.code, 0);
    assert.equal(failed.json.error.code, 'SLW_RELEASE_HOOK_FAILED');
    assert.match(JSON.stringify(failed.json.error.details.lastLines), /migration 7 failed: column exists/);
    // api and jobs have no dependsOn between them: one level, deployed side by side, so jobs's
    // hook (also on the bad version) may run too. Whatever ran failed; nothing moved on.
    const outcomes = failed.json.results.map((r: { service: string; outcome: string }) => `${r.service}:${r.outcome}`);
    assert.ok(outcomes.includes('api:failed'), outcomes.join(', '));
    assert.deepEqual(outcomes.filter((o: string) => !o.endsWith(':failed')), [], 'no service moved to the bad release');
    for (const out of [failed.stdout, failed.stderr, await readFile(join(p.stateDir, 'logs', 'daemon.log'), 'utf8').catch(() => '')]) {
      assert.ok(!out.includes(PASSWORD), 'the secret the migration printed is redacted');
    }
    await new Promise((r) => setTimeout(r, 1000));
    await load.stop();
    assert.deepEqual(load.failures, [], load.failures.slice(0, 3).join(' | '));
    assert.deepEqual(load.crossTalk, [], load.crossTalk.slice(0, 3).join(' | '));
    assert.deepEqual((await instancePids(p)).sort(), pidsBefore, 'no instance started or stopped');
  } finally {
    await load?.stop();
    await destroyProject(p);
  }
});
