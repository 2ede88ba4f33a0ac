import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config, ServiceSpec } from '../../src/config/model.js';
import { FakeDriver } from '../../src/drivers/fake/fake-driver.js';
import { DriverRegistry } from '../../src/drivers/registry.js';
import type { DataPlane, EngineDeps, ProbeResult } from '../../src/engine/deps.js';
import { Engine } from '../../src/engine/engine.js';
import { ThresholdJudge } from '../../src/engine/judge.js';
import { DeployLock } from '../../src/engine/lock.js';
import type { ProxyStatus, ReleaseStats, RoutingTableInput, TableAck } from '../../src/proxy/protocol.js';
import { emptyHistogram } from '../../src/lib/latency-histogram.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { ProgressEvent } from '../../src/api/schemas.js';

/** A data plane behind the engine's own interface: records tables, reports scripted stats. */
export class RecordingDataPlane implements DataPlane {
  readonly tables: RoutingTableInput[] = [];
  readonly stats: Record<string, Record<string, ReleaseStats>> = {};
  unhealthy = new Set<string>();
  constructor(private readonly order: string[]) {}

  async apply(table: RoutingTableInput): Promise<TableAck> {
    this.order.push(`apply:${table.version}`);
    this.tables.push(structuredClone(table));
    return { version: table.version, httpPort: 1 };
  }

  async status(): Promise<ProxyStatus> {
    const last = this.tables.at(-1);
    const targets = Object.entries(last?.services ?? {}).flatMap(([service, s]) =>
      s.targets.map((t) => ({
        id: t.id,
        service,
        release: t.release,
        port: t.port,
        inRotation: true,
        healthy: !this.unhealthy.has(t.id),
        inflight: 0,
        websockets: 0,
        consecutiveFailures: 0,
      })),
    );
    return { pid: 1, startedAt: '', tableVersion: last?.version ?? 0, httpPort: 1, services: structuredClone(this.stats), targets };
  }

  /** Adds traffic to a release's counters. */
  count(service: string, release: string, requests: number, errors5xx: number): void {
    const byRelease = (this.stats[service] ??= {});
    const s = (byRelease[release] ??= { requests: 0, errors5xx: 0, connErrors: 0, timeouts: 0, latency: emptyHistogram() });
    s.requests += requests;
    s.errors5xx += errors5xx;
    s.latency.count += requests;
    s.latency.counts[3] = (s.latency.counts[3] ?? 0) + requests;
    s.latency.sum += requests * 4;
  }

  currentTargets(service: string): string[] {
    return (this.tables.at(-1)?.services[service]?.targets ?? []).map((t) => t.release);
  }
}

export interface Harness {
  readonly dir: string;
  readonly engine: Engine;
  readonly store: SqliteStore;
  readonly driver: FakeDriver;
  readonly plane: RecordingDataPlane;
  readonly order: string[];
  readonly events: ProgressEvent[];
  probeOk: (port: number) => boolean;
  config(overrides?: Partial<ServiceSpec>): Config;
  close(): Promise<void>;
}

export async function makeHarness(options: { crashAt?: string } = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-engine-'));
  const order: string[] = [];
  const store = new SqliteStore(join(dir, 'state.db'));
  const transact = store.transact.bind(store);
  store.transact = ((entry, apply) => {
    order.push(`journal:${entry.kind}`);
    return transact(entry, apply);
  }) as typeof store.transact;
  const driver = new FakeDriver();
  const plane = new RecordingDataPlane(order);
  let port = 40000;
  const harness: Harness = {
    dir,
    store,
    driver,
    plane,
    order,
    events: [],
    probeOk: () => true,
    config: (overrides = {}) => configOf(dir, overrides),
    engine: undefined as unknown as Engine,
    close: async () => {
      await harness.engine.close();
      store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  const deps: EngineDeps = {
    store,
    drivers: new DriverRegistry([driver]),
    dataPlane: plane,
    lock: new DeployLock(store, { ttlMs: 30_000, heartbeatMs: 5_000 }),
    judge: new ThresholdJudge(),
    builder: {
      snapshot: async (o) => {
        await mkdir(o.dest, { recursive: true });
        return {};
      },
      build: async () => undefined,
    },
    loadConfig: async () => harness.config(),
    probe: async (o): Promise<ProbeResult> => ({ ok: harness.probeOk(o.port) }),
    allocatePort: async () => ++port,
    stateDir: dir,
    baseEnv: {},
    crashPoint: (name) => {
      if (name === options.crashAt) throw new Error(`crash at ${name}`);
    },
    now: () => Date.now(),
    keepReleases: 5,
    unhealthyRestartMs: 1500,
  };
  (harness as { engine: Engine }).engine = new Engine(deps);
  return harness;
}

function configOf(dir: string, overrides: Partial<ServiceSpec>): Config {
  const web: ServiceSpec = {
    name: 'web',
    source: dir,
    build: undefined,
    run: ['node', 'server.js'],
    routes: [{ host: 'app.localhost', path: '/' }],
    health: { path: '/health', intervalMs: 20, timeoutMs: 100, rise: 2, fall: 2, startTimeoutMs: 300 },
    instances: 2,
    drainMs: 50,
    keepWarmMs: 60_000,
    watchMs: 300,
    stopTimeoutMs: 50,
    env: {},
    strategy: 'blue-green',
    canary: { steps: [0.1, 0.5], minHoldMs: [3000, 1000], minRequests: [20, 20], maxHoldMs: 5000, bakeMs: 300, sticky: undefined },
    ...overrides,
  };
  return { file: join(dir, 'slipway.yaml'), dir, env: undefined, version: 1, project: 'app', proxyExplicit: true, proxy: { http: 0, host: '127.0.0.1' }, services: { web } };
}
