// One daemon's worth of projects (the daemon's own project registry and host table) over engines
// with a fake driver on one simulated machine and one real SQLite file: two projects that both
// have services named `a` and `b` (project one also has `c`). Shared by the projects tests.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config, ServiceSpec } from '../../src/config/model.js';
import { HostTable } from '../../src/daemon/host-table.js';
import { Projects } from '../../src/daemon/projects.js';
import { projectNameOfFile } from '../../src/config/project-name.js';
import { FakeDriver } from '../../src/drivers/fake/fake-driver.js';
import { FakeHost } from '../../src/drivers/fake/fake-host.js';
import { DriverRegistry } from '../../src/drivers/registry.js';
import type { Engine } from '../../src/engine/engine.js';
import { ThresholdJudge } from '../../src/engine/judge.js';
import { DeployLock } from '../../src/engine/lock.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { RecordingDataPlane } from './engine-harness.js';

export const PROJECTS = { one: ['a', 'b', 'c'], two: ['a', 'b'] } as const;
export type ProjectName = keyof typeof PROJECTS;
export const TARGETS = (Object.keys(PROJECTS) as ProjectName[]).flatMap((p) => PROJECTS[p].map((s) => `${p}/${s}`));

function spec(dir: string, project: ProjectName, name: string): ServiceSpec {
  return {
    name,
    source: dir,
    build: undefined,
    run: ['node', 'server.js'],
    routes: [{ host: `${name}.${project}.localhost`, path: '/' }],
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

/** One daemon's worth of projects over a state file and a simulated machine that outlive it. */
export class World {
  readonly plane = new RecordingDataPlane([]);
  readonly machine = new FakeHost();
  readonly store: SqliteStore;
  readonly configs: Record<ProjectName, Config>;
  projects!: Projects;
  #port = 41000;

  constructor(readonly dir: string) {
    this.store = new SqliteStore(join(dir, 'state.db'));
    const config = (project: ProjectName): Config => {
      const folder = join(dir, project);
      return {
        file: join(folder, 'slipway.yaml'),
        dir: folder,
        env: undefined,
        version: 1,
        project,
        proxyExplicit: true,
        proxy: { http: 0, host: '127.0.0.1' },
        services: Object.fromEntries(PROJECTS[project].map((n) => [n, spec(folder, project, n)])),
      };
    };
    this.configs = { one: config('one'), two: config('two') };
  }

  async prepare(): Promise<void> {
    for (const config of Object.values(this.configs)) {
      await mkdir(config.dir, { recursive: true });
      await writeFile(config.file, `version: 1\nproject: ${config.project}\n`);
    }
  }

  async boot(): Promise<void> {
    const version = (await this.plane.status()).tableVersion;
    const host = new HostTable(this.plane, version);
    const drivers = new DriverRegistry([new FakeDriver({ host: this.machine, owner: this.dir })]);
    const projects: Projects = new Projects({
      store: this.store,
      host,
      now: () => Date.now(),
      proxyVersion: () => version,
      // Each file of the world holds only its `project:` (the rest of its config is in memory, as
      // valid): the name is read from the file, which the tests rewrite to rename a project.
      nameOf: (scope) => projectNameOfFile(scope.configFile),
      depsOf: (project, store, dataPlane) => ({
        store,
        dataPlane,
        drivers,
        lock: new DeployLock(store, { ttlMs: 30_000, heartbeatMs: 5_000 }),
        judge: new ThresholdJudge(),
        builder: { snapshot: async (o) => (await mkdir(o.dest, { recursive: true }), {}), build: async () => undefined },
        loadConfig: async (ref) => projects.admit(project, ref.configFile === this.configs.one.file ? this.configs.one : this.configs.two),
        probe: async () => ({ ok: true }),
        allocatePort: async () => ++this.#port,
        stateDir: this.dir,
        ...(project === '' ? {} : { project }),
        otherProjectsInstances: () => projects.othersLive(project),
        baseEnv: {},
        crashPoint: () => undefined,
        now: () => Date.now(),
        keepReleases: 50,
      }),
    });
    this.projects = projects;
    await projects.boot();
  }

  /** The engine a deploy of `target` goes to (made on the project's first deploy, as the daemon does). */
  engineFor(project: ProjectName): Promise<Engine> {
    return this.projects.forDeploy({ configFile: this.configs[project].file });
  }

  /** A daemon that dies: its timers stop, its instances keep running, nothing is cleaned up. */
  async crash(): Promise<void> {
    await this.projects.close();
  }
}

