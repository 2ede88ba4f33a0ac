// Issue 7, acceptance 5 (CLI part): `slipway plan` against a real daemon with a deployed
// examples/hello project, as text and --json, with a secret-bearing variable shown only as a
// hash; `slipway diff A B` on the plan fixture config, locally.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { CLI, cli, destroyProject, makeProject, serviceYaml, type Project } from '../helpers/e2e-project.js';
import { SecretStore } from '../../src/secrets/store.js';

function configYaml(p: Project, instances: number, env: Record<string, string>): string {
  return `version: 1\nproxy: { http: ${p.port}, host: 127.0.0.1 }\nsecrets:\n  TOKEN: { generate: { kind: hex, bytes: 16 } }\nservices:\n${serviceYaml('web', { instances, env })}`;
}

test('plan: all new without a daemon or state; then against the deployed release; refused when the daemon is down', async () => {
  const p = await makeProject();
  try {
    await writeFile(p.configFile, configYaml(p, 2, { GREETING: 'hi', DB_URL: 'postgres://u:${secret:TOKEN}@db/app' }));
    assert.equal((await cli(p, ['secrets', 'generate', 'TOKEN'])).code, 0);
    const token = (await new SecretStore({ stateDir: p.stateDir, env: 'default', environ: {} }).get('TOKEN')).reveal();

    const fresh = await cli(p, ['plan', '--json']);
    assert.equal(fresh.code, 0, fresh.stdout + fresh.stderr);
    assert.equal(fresh.json.daemon, 'none');
    assert.equal(fresh.json.services[0].status, 'new');
    assert.equal(fresh.json.services[0].release.next.kind, 'folder');
    assert.match(fresh.json.services[0].release.next.contentHash, /^[0-9a-f]{64}$/);
    assert.deepEqual(fresh.json.services[0].changes.env.added.map((e: { key: string }) => e.key), ['DB_URL', 'GREETING']);

    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    const deploy = await cli(p, ['deploy', '--json']);
    assert.equal(deploy.code, 0, deploy.stdout + deploy.stderr);

    const same = await cli(p, ['plan', '--json']);
    assert.equal(same.code, 0, same.stdout + same.stderr);
    assert.equal(same.json.daemon, 'answered');
    assert.equal(same.json.services[0].status, 'unchanged');
    assert.equal(same.json.services[0].release.active.id, deploy.json.results[0].release);
    assert.equal(same.json.services[0].release.source, 'same', 'the folder holds what the release snapshot holds');
    assert.equal(same.json.services[0].release.active.contentHash, fresh.json.services[0].release.next.contentHash);

    // A file of the folder source changes: plan says so (a config left as it is), and not once it is back.
    await writeFile(join(p.appDir, 'notes.txt'), 'a change nobody committed\n');
    const edited = await cli(p, ['plan', '--json']);
    assert.deepEqual([edited.json.services[0].status, edited.json.services[0].release.source], ['changed', 'changed']);
    assert.match((await cli(p, ['plan'])).stdout, /release: folder snapshot, content changed \(active r\d+\)/);
    await rm(join(p.appDir, 'notes.txt'));
    assert.equal((await cli(p, ['plan', '--json'])).json.services[0].status, 'unchanged');

    await writeFile(p.configFile, configYaml(p, 3, { GREETING: 'hello', DB_URL: 'postgres://u:${secret:TOKEN}@db2/app', NEW_KEY: 'x' }));
    const changed = await cli(p, ['plan', 'web', '--json']);
    assert.equal(changed.code, 0, changed.stdout + changed.stderr);
    const plan = changed.json.services[0];
    assert.equal(plan.status, 'changed');
    assert.deepEqual(plan.changes.env.added, [{ key: 'NEW_KEY', to: { kind: 'plain', value: 'x' } }]);
    assert.deepEqual(plan.changes.env.changed.map((c: { key: string }) => c.key), ['DB_URL', 'GREETING']);
    const url = plan.changes.env.changed[0];
    assert.equal(url.from.kind, 'secret');
    assert.match(url.to.hash, /^sha256:[0-9a-f]{12}$/);
    assert.notEqual(url.from.hash, url.to.hash);
    assert.deepEqual(url.to.secrets, ['TOKEN']);
    assert.deepEqual(plan.changes.instances, { from: 2, to: 3 });

    const text = await cli(p, ['plan']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^web: changed$/m);
    assert.match(text.stdout, /release: folder snapshot, same content \(active r\d+\)/);
    assert.match(text.stdout, /\+ NEW_KEY = "x"/);
    assert.match(text.stdout, /~ GREETING: "hi" → "hello"/);
    assert.match(text.stdout, /~ DB_URL: \[secret sha256:[0-9a-f]{12} \(TOKEN\)\] → \[secret sha256:[0-9a-f]{12} \(TOKEN\)\]/);
    assert.match(text.stdout, /instances: 2 → 3/);
    for (const out of [fresh, same, changed, text]) assert.ok(!`${out.stdout}${out.stderr}`.includes(token), 'plan never prints a secret value');

    const status = await cli(p, ['status', '--json']);
    assert.equal(status.json.services[0].instances.length, 2, 'plan changed nothing');

    assert.equal((await cli(p, ['stop'])).code, 0);
    const down = await cli(p, ['plan', '--json']);
    assert.equal(down.code, 4);
    assert.equal(down.json.error.code, 'SLW_DAEMON_UNREACHABLE');
  } finally {
    await destroyProject(p);
  }
});

const fixture = join(fileURLToPath(new URL('../fixtures/plan/', import.meta.url)), 'slipway.yaml');

function diff(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, 'diff', '--config', fixture, ...args], (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

test('diff staging production: text and --json, no daemon', async () => {
  const json = await diff(['staging', 'production', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const body = JSON.parse(json.stdout);
  assert.deepEqual(body.services.map((s: { service: string; status: string }) => `${s.service} ${s.status}`), ['web changed', 'jobs added']);
  assert.ok(!json.stdout.includes('\\u0000'), 'no secret marker in the output');

  const text = await diff(['staging', 'production']);
  assert.equal(text.code, 0, text.stderr);
  assert.equal(
    text.stdout.replace(/sha256:[0-9a-f]{12}/g, 'sha256:H'),
    [
      'staging → production',
      'web: changed',
      '  env:',
      '    ~ BUCKET: "designs-staging" → "designs-production"',
      '    ~ DATABASE_URL: [secret sha256:H (DATABASE_PASSWORD)] → [secret sha256:H (DATABASE_PASSWORD)]',
      '    ~ LOG_LEVEL: "info" → "warn"',
      '    - DEBUG (was "1")',
      '  routes:',
      '    + www.example.com/',
      '  instances: 2 → 4',
      '  strategy: "canary" → "blue-green"',
      '  health.path: "/" → "/ready"',
      'jobs: only in production',
      '  instances: 1',
      '',
    ].join('\n'),
  );

  const unknown = await diff(['staging', 'prod', '--json']);
  assert.equal(unknown.code, 2);
  assert.equal(JSON.parse(unknown.stdout).error.code, 'SLW_CONFIG_INVALID');
});
