// A property test of several projects on one host, against a model small enough to be obviously
// right: random sequences of deploy, rollback, canary promote and abort, and daemon crash +
// restart over two projects that both have services named `a` and `b` (project one also has
// `c`). It drives the daemon's own project registry and host table (src/daemon/projects.ts,
// host-table.ts) over engines with a fake driver on one simulated machine and one real SQLite
// file. After every step: each project's state is what the model says; the one table the proxy
// gets routes each project's hosts only to that project's active release; no instance runs that
// the state does not know, none of one project is swept by the other's recovery; every lock is free.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { isLive } from '../../src/engine/instance-state.js';
import { PROJECTS, TARGETS, World, type ProjectName } from '../helpers/projects-world.js';

type Op =
  | { readonly op: 'deploy'; readonly target: string }
  | { readonly op: 'rollback'; readonly target: string }
  | { readonly op: 'canary'; readonly target: string; readonly then: 'promote' | 'abort' }
  | { readonly op: 'restart' };

interface ModelService {
  active: string | undefined;
  previous: string | undefined;
  next: number;
}

function split(target: string): [ProjectName, string] {
  const [project, service] = target.split('/') as [ProjectName, string];
  return [project, service];
}

async function canary(world: World, target: string, then: 'promote' | 'abort'): Promise<string | undefined> {
  const [project, service] = split(target);
  const engine = await world.engineFor(project);
  const store = world.store.forProject(project);
  const running = engine.deploy({ configFile: world.configs[project].file }, service, () => undefined, 'canary');
  // Act once the canary is in progress (a first deploy goes blue-green and never is).
  for (;;) {
    const open = store.deployments({ service, open: true })[0];
    if (open?.state === 'canary' && open.canary) {
      engine.canary(service, then);
      break;
    }
    if (!open && store.deployments({ service, limit: 1 })[0]?.kind === 'deploy' && (await Promise.race([running.then(() => true), sleep(5).then(() => false)]))) break;
    await sleep(5);
  }
  const { results } = await running;
  return results[0]?.outcome;
}

async function check(world: World, model: Record<string, ModelService>, trail: string): Promise<void> {
  const table = world.plane.tables.at(-1);
  for (const target of TARGETS) {
    const [project, name] = split(target);
    const store = world.store.forProject(project);
    const record = store.service(name);
    assert.equal(record?.activeRelease, model[target]?.active, `${trail}: active release of ${target}`);
    assert.equal(record?.previousRelease, model[target]?.previous, `${trail}: previous release of ${target}`);
    assert.equal(record?.canary, undefined, `${trail}: no canary left on ${target}`);
    assert.equal(store.lock(), undefined, `${trail}: lock of ${project} free`);
    const active = model[target]?.active;
    const entry = table?.services[target];
    if (!active) {
      assert.equal(entry?.targets.length ?? 0, 0, `${trail}: ${target} has no release, so no targets`);
      continue;
    }
    assert.ok(entry && entry.targets.length > 0, `${trail}: ${target} has targets`);
    const own = new Set(store.instances({ service: name, releaseId: active }).map((i) => i.id));
    for (const t of entry.targets) {
      assert.equal(t.release, active, `${trail}: ${target} routes only to ${active}`);
      assert.ok(own.has(t.id), `${trail}: target ${t.id} is an instance of ${target}, not of the other project's ${name}`);
    }
    assert.equal(entry.weights, undefined, `${trail}: no split left on ${target}`);
  }
  for (const route of table?.routes ?? []) {
    const [project, service] = split(route.service);
    assert.equal(route.host, `${service}.${project}.localhost`, `${trail}: route ${route.host} goes to ${route.service}`);
  }
  // No orphan: what runs on the machine is what the state holds live, in both projects together,
  // and all of it belongs to an active or warm release of its own project.
  const settled = (): string | undefined => {
    const running = world.machine.running().filter((p) => p.owner === world.dir).map((p) => p.spec.id).sort();
    const live = (Object.keys(PROJECTS) as ProjectName[]).flatMap((project) => world.store.forProject(project).instances({ live: true }).map((i) => ({ ...i, project })));
    if (JSON.stringify(running) !== JSON.stringify(live.map((r) => r.id).sort())) return `running ${running.join(',')} but live in the state ${live.map((r) => r.id).join(',')}`;
    const stray = live.find((i) => {
      const m = model[`${i.project}/${i.service}`];
      return !isLive(i.state) || !m || (i.releaseId !== m.active && i.releaseId !== m.previous);
    });
    return stray ? `live ${stray.id} belongs to neither the active nor the warm release of ${stray.project}/${stray.service}` : undefined;
  };
  let problem = settled();
  for (let i = 0; i < 150 && problem; i++) {
    await sleep(20);
    problem = settled();
  }
  assert.equal(problem, undefined, trail);
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('deploy' as const), target: fc.constantFrom(...TARGETS) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('rollback' as const), target: fc.constantFrom(...TARGETS) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('canary' as const), target: fc.constantFrom(...TARGETS), then: fc.constantFrom('promote' as const, 'abort' as const) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'restart' as const }) },
);

test('random deploys, rollbacks, canaries and restarts over two projects end where the model says', { timeout: 600_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 4, maxLength: 8 }), async (ops) => {
      const dir = await mkdtemp(join(tmpdir(), 'slipway-projects-model-'));
      const world = new World(dir);
      const model: Record<string, ModelService> = Object.fromEntries(TARGETS.map((t) => [t, { active: undefined, previous: undefined, next: 1 }]));
      const trail: string[] = [];
      try {
        await world.prepare();
        await world.boot();
        for (const op of ops) {
          trail.push(op.op === 'restart' ? 'restart' : op.op === 'canary' ? `canary ${op.target} ${op.then}` : `${op.op} ${op.target}`);
          const m = op.op === 'restart' ? undefined : model[op.target];
          if (op.op === 'restart') {
            await world.crash();
            await world.boot();
          } else if (op.op === 'deploy' || (op.op === 'canary' && m && m.active === undefined)) {
            // A first canary has nothing to compare with: it goes blue-green, like a deploy.
            const [project, service] = split(op.target);
            const outcome =
              op.op === 'deploy'
                ? (await (await world.engineFor(project)).deploy({ configFile: world.configs[project].file }, service, () => undefined)).results[0]?.outcome
                : await canary(world, op.target, op.then);
            assert.equal(outcome, 'succeeded', trail.join(' → '));
            m!.previous = m!.active;
            m!.active = `r${m!.next++}`;
          } else if (op.op === 'canary') {
            const outcome = await canary(world, op.target, op.then);
            assert.equal(outcome, op.then === 'promote' ? 'succeeded' : 'reverted', trail.join(' → '));
            const built = `r${m!.next++}`;
            if (op.then === 'promote') {
              m!.previous = m!.active;
              m!.active = built;
            }
          } else {
            const [project, service] = split(op.target);
            let outcome: string | undefined;
            try {
              const engine = await world.projects.find({ project });
              outcome = engine ? (await engine.rollback(service, () => undefined)).results[0]?.outcome : 'SLW_PROJECT_UNKNOWN';
            } catch (err) {
              outcome = (err as { code?: string }).code;
            }
            const projectKnown = world.store.projects().some((p) => p.name === project);
            const known = world.store.forProject(project).services().some((s) => s.name === service);
            if (!projectKnown) assert.equal(outcome, 'SLW_PROJECT_UNKNOWN', trail.join(' → '));
            else if (!known) assert.equal(outcome, 'SLW_UNKNOWN_SERVICE', trail.join(' → '));
            else if (m!.previous === undefined) assert.ok(outcome === 'failed' || outcome === 'SLW_NO_PREVIOUS_RELEASE', `${trail.join(' → ')}: ${outcome}`);
            else {
              assert.equal(outcome, 'succeeded', trail.join(' → '));
              [m!.active, m!.previous] = [m!.previous, m!.active];
            }
          }
          await check(world, model, trail.join(' → '));
        }
      } finally {
        await world.projects.close();
        world.store.close();
        await rm(dir, { recursive: true, force: true });
      }
    }),
    { numRuns: 10, seed: 20261207, endOnFailure: true, includeErrorInReport: true },
  );
});
