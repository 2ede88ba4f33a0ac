// What the host's project registry refuses, and that a refusal changes nothing: a deploy whose
// --project disagrees with its file, a file renamed to another project after it was deployed,
// and removing a project while its deploy lock is held. Two projects on one host each time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeployLock } from '../../src/engine/lock.js';
import { World } from '../helpers/projects-world.js';

async function withWorld(body: (world: World) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-projects-refusals-'));
  const world = new World(dir);
  try {
    await world.prepare();
    await world.boot();
    await body(world);
  } finally {
    await world.projects.close();
    world.store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function codeOf(err: unknown): string | undefined {
  return (err as { code?: string }).code;
}

/** What a refusal must leave as it was: the registered projects, their services' releases, the live instances. */
function snapshot(world: World): string {
  return JSON.stringify({
    projects: world.store.projects().map((p) => [p.name, p.configFile]),
    services: ['one', 'two'].map((p) => world.store.forProject(p).services().map((s) => [s.name, s.activeRelease, s.previousRelease])),
    live: ['one', 'two'].map((p) => world.store.forProject(p).instances({ live: true }).map((i) => i.id).sort()),
    running: world.machine.running().map((p) => p.spec.id).sort(),
  });
}

async function deploy(world: World, project: 'one' | 'two', service: string): Promise<void> {
  const engine = await world.engineFor(project);
  const { results } = await engine.deploy({ configFile: world.configs[project].file }, service, () => undefined);
  assert.equal(results[0]?.outcome, 'succeeded');
}

test('a deploy whose --project names another project than its file is refused, and nothing is registered', async () => {
  await withWorld(async (world) => {
    await deploy(world, 'two', 'a');
    const before = snapshot(world);
    await assert.rejects(world.projects.forDeploy({ project: 'two', configFile: world.configs.one.file }), (err) => {
      assert.equal(codeOf(err), 'SLW_PROJECT_RENAMED');
      assert.match((err as Error).message, /--project two was given, but .* is project "one"/);
      return true;
    });
    assert.equal(snapshot(world), before);
    assert.deepEqual(world.projects.names(), ['two']);
  });
});

test('a file that names another project after its first deploy is refused before anything moves; the other project is untouched', async () => {
  await withWorld(async (world) => {
    await deploy(world, 'one', 'a');
    await deploy(world, 'two', 'b');
    const before = snapshot(world);
    await writeFile(world.configs.one.file, 'version: 1\nproject: uno\n');
    await assert.rejects(world.projects.forDeploy({ configFile: world.configs.one.file }), (err) => {
      assert.equal(codeOf(err), 'SLW_PROJECT_RENAMED');
      assert.match((err as Error).message, /was deployed as project "one" and now names project "uno"/);
      return true;
    });
    // The same file, read by a deploy already routed to project one (the config names "uno").
    assert.throws(() => world.projects.admit('one', { ...world.configs.one, project: 'uno' }), (err) => codeOf(err) === 'SLW_PROJECT_RENAMED');
    assert.equal(snapshot(world), before);
    assert.deepEqual(world.projects.names(), ['one', 'two']);
  });
});

test('removing a project whose lock is held is refused and stops nothing; once free, it stops that project only', async () => {
  await withWorld(async (world) => {
    await deploy(world, 'one', 'a');
    await deploy(world, 'one', 'b');
    await deploy(world, 'two', 'a');
    const lease = new DeployLock(world.store.forProject('one'), { ttlMs: 30_000, heartbeatMs: 5_000 }).acquire('a test', undefined);
    const before = snapshot(world);
    try {
      await assert.rejects(world.projects.remove('one', world.dir), (err) => codeOf(err) === 'SLW_LOCK_HELD');
      assert.equal(snapshot(world), before);
    } finally {
      lease.release();
    }
    const twoLive = world.store.forProject('two').instances({ live: true }).map((i) => i.id).sort();
    const { stopped } = await world.projects.remove('one', world.dir);
    assert.equal(stopped, 3, 'a (2 instances) and b (1) of project one');
    assert.deepEqual(world.projects.names(), ['two']);
    assert.deepEqual(world.machine.running().map((p) => p.spec.id).sort(), twoLive, 'only project two runs');
    assert.ok(!world.plane.tables.at(-1)?.routes.some((r) => r.service.startsWith('one/')), 'no route of project one is left');
  });
});
