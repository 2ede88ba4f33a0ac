// Issue 7, acceptance 5 (unit part): the pure diff behind `slipway plan` and `slipway diff`,
// on the plan fixture config and on hand-made sides. Secret-bearing env values are compared
// and shown only as hashes of the value as written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { diffEnvironments, diffSides, planService, planSideOf, type PlanSide } from '../../src/config/plan.js';
import { showEnvValue } from '../../src/secrets/shown-value.js';
import { valueMarker } from '../../src/secrets/reference.js';
import { planSideOfRelease } from '../../src/engine/plan-view.js';
import { releaseSpecOf } from '../../src/engine/build-release.js';

const file = join(fileURLToPath(new URL('../fixtures/plan/', import.meta.url)), 'slipway.yaml');

async function sides(env: string): Promise<Record<string, PlanSide>> {
  const config = await loadConfig({ file, env });
  return Object.fromEntries(Object.values(config.services).map((s) => [s.name, planSideOf(s)]));
}

test('a value with a secret reference is a hash of the template, never a marker or a value; stores do not count', () => {
  const staging = showEnvValue(`postgres://app:${valueMarker('staging', 'DB')}@db/app`);
  const production = showEnvValue(`postgres://app:${valueMarker('production', 'DB')}@db/app`);
  assert.equal(staging.kind, 'secret');
  assert.deepEqual(staging, production, 'the same template compares equal across environments');
  assert.match(JSON.stringify(staging), /^\{"kind":"secret","hash":"sha256:[0-9a-f]{12}","secrets":\["DB"\]\}$/);
  assert.notDeepEqual(showEnvValue(`postgres://app:${valueMarker('staging', 'DB')}@db2/app`), staging);
  assert.deepEqual(showEnvValue('plain'), { kind: 'plain', value: 'plain' });
});

test('diff staging production on the fixture: env, routes, instances, health, strategy, a service only in production', async () => {
  const diffs = diffEnvironments(await sides('staging'), await sides('production'));
  assert.deepEqual(diffs.map((d) => [d.service, d.status]), [['web', 'changed'], ['jobs', 'added']]);
  const web = diffs[0]?.changes;
  assert.ok(web);
  assert.deepEqual(web.env.added, []);
  assert.deepEqual(web.env.removed, [{ key: 'DEBUG', from: { kind: 'plain', value: '1' } }]);
  assert.deepEqual(web.env.changed.map((c) => c.key), ['BUCKET', 'DATABASE_URL', 'LOG_LEVEL'], 'JWT and the secret file: same template');
  const bucket = web.env.changed.find((c) => c.key === 'BUCKET');
  assert.deepEqual([bucket?.from, bucket?.to], [{ kind: 'plain', value: 'designs-staging' }, { kind: 'plain', value: 'designs-production' }]);
  const url = web.env.changed.find((c) => c.key === 'DATABASE_URL');
  assert.equal(url?.from?.kind, 'secret');
  assert.equal(url?.to?.kind, 'secret');
  assert.ok(!JSON.stringify(diffs).includes('\\u0000'), 'no marker crosses into the plan');
  assert.deepEqual(web.routes, { added: [{ host: 'www.example.com', path: '/' }], removed: [] });
  assert.deepEqual(web.instances, { from: 2, to: 4 });
  assert.deepEqual(web.settings, [
    { field: 'instances', from: 2, to: 4 },
    { field: 'strategy', from: 'canary', to: 'blue-green' },
    { field: 'health.path', from: '/', to: '/ready' },
  ]);
  const jobs = diffs[1]?.changes;
  assert.deepEqual(jobs?.instances, { from: undefined, to: 1 });
  assert.deepEqual(jobs?.settings, []);
});

test('an environment compared with itself is the same everywhere', async () => {
  const prod = await sides('production');
  assert.deepEqual(diffEnvironments(prod, prod).map((d) => d.status), ['same', 'same']);
});

test('plan: the release record as the daemon keeps it compares equal to the config it was built from', async () => {
  const config = await loadConfig({ file, env: 'production' });
  const web = config.services['web'];
  assert.ok(web);
  const active = { id: 'r3', createdAt: '2025-01-01T00:00:00.000Z', commit: 'a'.repeat(40), dirty: false, side: planSideOfRelease(releaseSpecOf(web)) };
  const same = planService('web', planSideOf(web), { kind: 'git', commit: 'a'.repeat(40), dirty: false }, active);
  assert.equal(same.status, 'unchanged');
  assert.equal(same.release.source, 'same');
  const newCommit = planService('web', planSideOf(web), { kind: 'git', commit: 'b'.repeat(40), dirty: false }, active);
  assert.deepEqual([newCommit.status, newCommit.release.source], ['changed', 'changed']);
  const dirty = planService('web', planSideOf(web), { kind: 'git', commit: 'a'.repeat(40), dirty: true }, active);
  assert.equal(dirty.release.source, 'changed');
  const folder = planService('web', planSideOf(web), { kind: 'folder' }, active);
  assert.deepEqual([folder.status, folder.release.source], ['unchanged', 'unknown'], 'a folder against a git release cannot be compared');
  const fromFolder = { ...active, commit: undefined, contentHash: 'c'.repeat(64) };
  const sameContent = planService('web', planSideOf(web), { kind: 'folder', contentHash: 'c'.repeat(64) }, fromFolder);
  assert.deepEqual([sameContent.status, sameContent.release.source], ['unchanged', 'same']);
  const otherContent = planService('web', planSideOf(web), { kind: 'folder', contentHash: 'd'.repeat(64) }, fromFolder);
  assert.deepEqual([otherContent.status, otherContent.release.source], ['changed', 'changed']);
  const gitNow = planService('web', planSideOf(web), { kind: 'git', commit: 'a'.repeat(40), dirty: false }, fromFolder);
  assert.equal(gitNow.release.source, 'unknown');
});

test('plan: a release without a recorded strategy or source path does not report them as changes', async () => {
  const config = await loadConfig({ file, env: 'staging' });
  const web = config.services['web'];
  assert.ok(web);
  const { strategy: _unused, ...old } = planSideOfRelease(releaseSpecOf(web));
  const d = diffSides(old, planSideOf(web));
  assert.deepEqual(d.settings, []);
});

test('plan: no active release: everything is new', async () => {
  const config = await loadConfig({ file, env: 'staging' });
  const web = config.services['web'];
  assert.ok(web);
  const plan = planService('web', planSideOf(web), { kind: 'folder' }, undefined);
  assert.equal(plan.status, 'new');
  assert.equal(plan.release.source, 'new');
  assert.deepEqual(plan.changes.env.added.map((e) => e.key), ['BUCKET', 'DATABASE_PASSWORD_FILE', 'DATABASE_URL', 'DEBUG', 'JWT', 'LOG_LEVEL']);
  assert.deepEqual(plan.changes.routes.added, [{ host: 'app.example.com', path: '/' }]);
  assert.deepEqual(plan.changes.instances, { from: undefined, to: 2 });
});

test('plan: env added, changed and removed against a release; a changed secret template shows two hashes', () => {
  const base: PlanSide = {
    run: ['node', 'server.js'],
    env: { KEEP: showEnvValue('1'), GONE: showEnvValue('x'), URL: showEnvValue(`a${valueMarker('default', 'S')}`) },
    instances: 2,
    health: { path: '/health', intervalMs: 1000, timeoutMs: 2000, rise: 2, fall: 3, startTimeoutMs: 30000 },
    routes: [{ host: 'a.test', path: '/' }],
    drainMs: 1000,
    keepWarmMs: 1000,
    watchMs: 1000,
    stopTimeoutMs: 1000,
  };
  const next: PlanSide = { ...base, env: { KEEP: showEnvValue('1'), NEW: showEnvValue('y'), URL: showEnvValue(`b${valueMarker('default', 'S')}`) }, routes: [{ host: 'b.test', path: '/' }], drainMs: 2000 };
  const d = diffSides(base, next);
  assert.deepEqual(d.env.added, [{ key: 'NEW', to: { kind: 'plain', value: 'y' } }]);
  assert.deepEqual(d.env.removed, [{ key: 'GONE', from: { kind: 'plain', value: 'x' } }]);
  assert.equal(d.env.changed.length, 1);
  assert.notEqual((d.env.changed[0]?.from as { hash: string }).hash, (d.env.changed[0]?.to as { hash: string }).hash);
  assert.deepEqual(d.routes, { added: [{ host: 'b.test', path: '/' }], removed: [{ host: 'a.test', path: '/' }] });
  assert.deepEqual(d.settings, [{ field: 'drainMs', from: 1000, to: 2000 }]);
});
