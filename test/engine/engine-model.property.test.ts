// A property test of the engine against a model small enough to be obviously right: random
// sequences of deploy, rollback, canary promote and abort, and daemon crash + restart over three
// services (fake driver behind our own interface, real SQLite state, engine restarted on the
// same state and the same simulated machine). After every step the state is what the model
// says, every service's routes lead only to its own active release, no instance runs that the
// state does not know (and none the state thinks live is gone), and the lock is free.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import type { Config, ServiceSpec } from '../../src/config/model.js';
import { FakeDriver } from '../../src/drivers/fake/fake-driver.js';
import { FakeHost, FAKE_ADDRESS_HOST } from '../../src/drivers/fake/fake-host.js';
import { DriverRegistry } from '../../src/drivers/registry.js';
import type { EngineDeps } from '../../src/engine/deps.js';
import { Engine } from '../../src/engine/engine.js';
import { isLive } from '../../src/engine/instance-state.js';
import { ThresholdJudge } from '../../src/engine/judge.js';
import { DeployLock } from '../../src/engine/lock.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { RecordingDataPlane } from '../helpers/engine-harness.js';

const SERVICES = ['a', 'b', 'c'] as const;
type Name = (typeof SERVICES)[number];
const REF = { configFile: 'slipway.yaml' };

type Op =
  | { readonly op: 'deploy'; readonly service: Name }
  | { readonly op: 'rollback'; readonly service: Name }
  | { readonly op: 'canary'; readonly service: Name; readonly then: 'promote' | 'abort' }
  | { readonly op: 'restart' };

interface ModelService {
  active: string | undefined;
  previous: string | undefined;
  next: number;
}

function spec(dir: string, name: Name): ServiceSpec {
  return {
    name,
    source: dir,
    build: undefined,
    run: ['node', 'server.js'],
    routes: [{ host: `${name}.localhost`, path: '/' }],
    health: { path: '/health', intervalMs: 10, timeoutMs: 100, rise: 1, fall: 2, startTimeoutMs: 300 },
    instances: name === 'b' ? 1 : 2,
    drainMs: 10,
    keepWarmMs: 600_000,
    watchMs: 50,
    stopTimeoutMs: 10,
    env: {},
    strategy: 'blue-green',
    canary: { steps: [0.1], minHoldMs: [60_000], minRequests: [1_000_000], maxHoldMs: 120_000, bakeMs: 60_000, sticky: undefined },
  };
}

/** One daemon's worth of engine over a state file and a simulated machine that outlive it. */
class World {
  readonly plane = new RecordingDataPlane([]);
  readonly host = new FakeHost();
  readonly store: SqliteStore;
  engine!: Engine;
  #port = 41000;

  constructor(readonly dir: string, readonly config: Config) {
    this.store = new SqliteStore(join(dir, 'state.db'));
  }

  async boot(): Promise<void> {
    const deps: EngineDeps = {
      store: this.store,
      drivers: new DriverRegistry([new FakeDriver({ host: this.host, owner: this.dir })]),
      dataPlane: this.plane,
      lock: new DeployLock(this.store, { ttlMs: 30_000, heartbeatMs: 5_000 }),
      judge: new ThresholdJudge(),
      builder: { snapshot: async (o) => (await mkdir(o.dest, { recursive: true }), {}), build: async () => undefined },
      loadConfig: async () => this.config,
      probe: async () => ({ ok: true }),
      allocatePort: async () => ++this.#port,
      stateDir: this.dir,
      baseEnv: {},
      crashPoint: () => undefined,
      now: () => Date.now(),
      keepReleases: 50,
    };
    this.engine = new Engine(deps);
    await this.engine.boot((await this.plane.status()).tableVersion);
  }

  /** A daemon that dies: its timers stop, its instances keep running, nothing is cleaned up. */
  async crash(): Promise<void> {
    await this.engine.close();
  }
}

async function canary(world: World, service: Name, then: 'promote' | 'abort'): Promise<string | undefined> {
  const running = world.engine.deploy(REF, service, () => undefined, 'canary');
  // Act once the canary is in progress (a first deploy goes blue-green and never is).
  for (;;) {
    const open = world.store.deployments({ service, open: true })[0];
    if (open?.state === 'canary' && open.canary) {
      world.engine.canary(service, then);
      break;
    }
    if (!open && world.store.deployments({ service, limit: 1 })[0]?.kind === 'deploy' && (await Promise.race([running.then(() => true), sleep(5).then(() => false)]))) break;
    await sleep(5);
  }
  const { results } = await running;
  return results[0]?.outcome;
}

async function check(world: World, model: Record<Name, ModelService>, trail: string): Promise<void> {
  for (const name of SERVICES) {
    const record = world.store.service(name);
    assert.equal(record?.activeRelease, model[name].active, `${trail}: active release of ${name}`);
    assert.equal(record?.previousRelease, model[name].previous, `${trail}: previous release of ${name}`);
    assert.equal(record?.canary, undefined, `${trail}: no canary left on ${name}`);
  }
  const table = world.plane.tables.at(-1);
  for (const name of SERVICES) {
    const active = model[name].active;
    const targets = table?.services[name]?.targets ?? [];
    if (!active) {
      assert.equal(targets.length, 0, `${trail}: ${name} has no release, so no targets`);
      continue;
    }
    assert.ok(targets.length > 0, `${trail}: ${name} has targets`);
    for (const t of targets) {
      assert.equal(t.release, active, `${trail}: ${name} routes only to ${active}`);
      assert.ok(t.id.startsWith(`${name}-${active}-`), `${trail}: target ${t.id} is an instance of ${name}`);
      assert.equal(t.host, FAKE_ADDRESS_HOST, `${trail}: the driver's address, not an assumed one`);
    }
    assert.equal(table?.services[name]?.weights, undefined, `${trail}: no split left on ${name}`);
  }
  for (const route of table?.routes ?? []) assert.equal(route.host, `${route.service}.localhost`, `${trail}: route ${route.host}`);
  assert.equal(world.store.lock(), undefined, `${trail}: lock free`);
  // No orphan: what runs on the machine is what the state holds live, and all of it belongs to an
  // active or warm release, eventually (instances of a release nobody wants drain, then stop).
  const settled = (): string | undefined => {
    const running = world.host.running().filter((p) => p.owner === world.dir).map((p) => p.spec.id).sort();
    const live = world.store.instances({ live: true });
    if (JSON.stringify(running) !== JSON.stringify(live.map((r) => r.id).sort())) return `running ${running.join(',')} but live in the state ${live.map((r) => r.id).join(',')}`;
    const stray = live.find((i) => !isLive(i.state) || (i.releaseId !== model[i.service as Name].active && i.releaseId !== model[i.service as Name].previous));
    return stray ? `live ${stray.id} belongs to neither the active nor the warm release of ${stray.service}` : undefined;
  };
  let problem = settled();
  for (let i = 0; i < 150 && problem; i++) {
    await sleep(20);
    problem = settled();
  }
  assert.equal(problem, undefined, trail);
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('deploy' as const), service: fc.constantFrom(...SERVICES) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('rollback' as const), service: fc.constantFrom(...SERVICES) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('canary' as const), service: fc.constantFrom(...SERVICES), then: fc.constantFrom('promote' as const, 'abort' as const) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'restart' as const }) },
);

test('random deploys, rollbacks, canaries and restarts over three services end where the model says', { timeout: 600_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 3, maxLength: 7 }), async (ops) => {
      const dir = await mkdtemp(join(tmpdir(), 'slipway-model-'));
      const config: Config = { file: join(dir, 'slipway.yaml'), dir, env: undefined, version: 1, project: 'app', proxyExplicit: true, proxy: { http: 0, host: '127.0.0.1' }, services: Object.fromEntries(SERVICES.map((n) => [n, spec(dir, n)])) };
      const world = new World(dir, config);
      const model = Object.fromEntries(SERVICES.map((n) => [n, { active: undefined, previous: undefined, next: 1 }])) as Record<Name, ModelService>; // fromEntries over SERVICES: one entry per Name
      const trail: string[] = [];
      try {
        await world.boot();
        for (const op of ops) {
          trail.push(op.op === 'restart' ? 'restart' : op.op === 'canary' ? `canary ${op.service} ${op.then}` : `${op.op} ${op.service}`);
          const m = op.op === 'restart' ? undefined : model[op.service];
          if (op.op === 'restart') {
            await world.crash();
            await world.boot();
          } else if (op.op === 'deploy' || (op.op === 'canary' && m && m.active === undefined)) {
            // A first canary has nothing to compare with: it goes blue-green, like a deploy.
            const outcome = op.op === 'deploy' ? (await world.engine.deploy(REF, op.service, () => undefined)).results[0]?.outcome : await canary(world, op.service, op.then);
            assert.equal(outcome, 'succeeded', trail.join(' → '));
            m!.previous = m!.active;
            m!.active = `r${m!.next++}`;
          } else if (op.op === 'canary') {
            const outcome = await canary(world, op.service, op.then);
            assert.equal(outcome, op.then === 'promote' ? 'succeeded' : 'reverted', trail.join(' → '));
            const built = `r${m!.next++}`;
            if (op.then === 'promote') {
              m!.previous = m!.active;
              m!.active = built;
            }
          } else {
            const known = world.store.services().some((s) => s.name === op.service);
            let outcome: string | undefined;
            try {
              outcome = (await world.engine.rollback(op.service, () => undefined)).results[0]?.outcome;
            } catch (err) {
              outcome = (err as { code?: string }).code;
            }
            if (!known) assert.equal(outcome, 'SLW_UNKNOWN_SERVICE', trail.join(' → '));
            else if (m!.previous === undefined) assert.ok(outcome === 'failed' || outcome === 'SLW_NO_PREVIOUS_RELEASE', `${trail.join(' → ')}: ${outcome}`);
            else {
              assert.equal(outcome, 'succeeded', trail.join(' → '));
              [m!.active, m!.previous] = [m!.previous, m!.active];
            }
          }
          await check(world, model, trail.join(' → '));
        }
      } finally {
        await world.engine.close();
        world.store.close();
        await rm(dir, { recursive: true, force: true });
      }
    }),
    { numRuns: 12, seed: 20261206, endOnFailure: true, includeErrorInReport: true },
  );
});
