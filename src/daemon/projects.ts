import { rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/model.js';
import { projectNameOfFile } from './config-checker.js';
import { Engine } from '../engine/engine.js';
import type { DataPlane, EngineDeps } from '../engine/deps.js';
import { desiredTable, storedListen, type ListenSpec } from '../engine/routing.js';
import { SlipwayError } from '../errors.js';
import type { ProjectRecord, SqliteStore } from '../store/sqlite-store.js';
import type { HostTable } from './host-table.js';

/** What a request says about its project: a name (--project), or the config file the CLI found. */
export interface ProjectScope {
  readonly project?: string | undefined;
  readonly configFile?: string | undefined;
  readonly env?: string | undefined;
}

export interface ProjectsOptions {
  /** The host's view of the state database (project ''). */
  readonly store: SqliteStore;
  readonly host: HostTable;
  /** The engine dependencies of one project (its store view, its part of the host table). */
  readonly depsOf: (project: string, store: SqliteStore, dataPlane: DataPlane) => EngineDeps;
  /** The proxy's table version after it started (each project's engine boots against it). */
  readonly proxyVersion: () => number;
  readonly now: () => number;
  /**
   * The project a deploy's file names, from the whole check of that file: a file that fails it
   * throws its coded error, before any engine is made or state of before projects adopted (the
   * daemon's DeployConfigs, whose check the deploy then reuses).
   */
  readonly nameOf: (scope: ProjectScope & { configFile: string }) => Promise<string>;
}

/** Meta key naming the project whose `proxy:` settings the host uses. */
const SETTINGS_FROM = 'host.settingsFrom';

/**
 * The projects on this host and their engines. A project is registered by its first deploy
 * (name: `project:` in its file, else its folder's name) with the file it came from; state of
 * before projects (project '') is adopted by the first project registered. Every request names
 * its project by `--project`, by its config file, or, when the host has one project, by nothing.
 */
export class Projects {
  readonly #o: ProjectsOptions;
  readonly #engines = new Map<string, Engine>();

  constructor(options: ProjectsOptions) {
    this.#o = options;
  }

  /** Makes an engine for every project with state and boots them, each after all are in the host table. */
  async boot(): Promise<void> {
    const names = new Set([...this.#o.store.projects().map((p) => p.name), ...this.#o.store.projectsWithState()]);
    for (const name of names) this.#create(name);
    for (const [name, engine] of this.#engines) {
      const listen = storedListen(engine.deps);
      if (listen) this.#o.host.seed(name, desiredTable(engine.deps, 0, listen));
    }
    for (const engine of this.#engines.values()) await engine.boot(this.#o.proxyVersion());
    const listen = storedListen({ store: this.#o.store });
    if (this.#engines.size === 0 && listen) await this.#o.host.listenOnly(desiredTable({ store: this.#o.store.forProject('#') }, 0, listen));
  }

  names(): string[] {
    return [...this.#engines.keys()].sort();
  }

  engines(): Engine[] {
    return [...this.#engines.values()];
  }

  /** The registered projects, with their services (for `slipway projects`). */
  list(): { record: ProjectRecord | undefined; name: string; services: number; serving: number; instances: number }[] {
    const records = new Map(this.#o.store.projects().map((p) => [p.name, p]));
    return this.names().map((name) => {
      const store = this.#o.store.forProject(name);
      const services = store.services();
      return {
        record: records.get(name),
        name,
        services: services.length,
        serving: services.filter((s) => s.activeRelease).length,
        instances: store.instances({ live: true }).length,
      };
    });
  }

  /** The engine a read or a rollback is about; undefined while the host has no project at all. */
  async find(scope: ProjectScope): Promise<Engine | undefined> {
    if (scope.project !== undefined) return this.#named(scope.project);
    const records = this.#o.store.projects();
    const byFile = scope.configFile ? records.find((r) => r.configFile === scope.configFile) : undefined;
    if (byFile) return this.#named(byFile.name);
    if (this.#engines.size === 0) return undefined;
    if (this.#engines.size === 1) return [...this.#engines.values()][0];
    // No project named, several on the host: the host itself (status of the daemon and proxy, no services).
    if (!scope.configFile) return undefined;
    const peeked = existsSync(scope.configFile) ? await projectNameOfFile(scope.configFile) : undefined;
    if (peeked !== undefined && this.#engines.has(peeked)) return this.#named(peeked);
    throw this.#unknown(`No project on this host was deployed from ${scope.configFile}.`);
  }

  /** The engine a deploy goes to, made (and state of before projects adopted) on a project's first deploy. */
  async forDeploy(scope: ProjectScope & { configFile: string }): Promise<Engine> {
    const name = await this.#o.nameOf(scope);
    if (scope.project !== undefined && scope.project !== name) {
      throw new SlipwayError('SLW_PROJECT_RENAMED', `--project ${scope.project} was given, but ${scope.configFile} is project "${name}".`, {
        hint: 'A deploy takes its project from the file (`project:`, else the folder\'s name): drop --project, or set `project:` in the file.',
        details: { given: scope.project, named: name },
      });
    }
    const records = this.#o.store.projects();
    const taken = records.find((r) => r.name === name);
    if (taken && taken.configFile !== scope.configFile) {
      throw new SlipwayError('SLW_PROJECT_CONFLICT', `Project "${name}" on this host was deployed from ${taken.configFile}; ${scope.configFile} claims the same name.`, {
        details: { project: name, registered: taken.configFile, claimedBy: scope.configFile },
      });
    }
    const byFile = records.find((r) => r.configFile === scope.configFile);
    if (byFile && byFile.name !== name) {
      throw new SlipwayError('SLW_PROJECT_RENAMED', `${scope.configFile} was deployed as project "${byFile.name}" and now names project "${name}".`, {
        details: { registered: byFile.name, named: name },
      });
    }
    // State of before projects belongs to the first project deployed to this state dir (its file
    // passed its check in nameOf: a refused first deploy leaves the old state unnamed).
    const unnamed = this.#engines.get('');
    if (unnamed && records.length === 0) {
      await unnamed.close();
      this.#engines.delete('');
      this.#o.store.adoptUnnamed(name);
      this.#o.host.rename('', name);
    }
    const existing = this.#engines.get(name);
    if (existing) return existing;
    const engine = this.#create(name);
    await engine.boot(this.#o.proxyVersion());
    return engine;
  }

  /**
   * A deploy's config, checked against the rest of the host before anything moves: the file
   * still names the project it deploys, its routes are its own, its `proxy:` settings agree with
   * the host's (a file without `proxy:` takes the host's). Registers the project on success.
   */
  admit(project: string, config: Config): Config {
    if (config.project !== project && project !== '') {
      throw new SlipwayError('SLW_PROJECT_RENAMED', `${config.file} now names project "${config.project}"; it is deployed here as "${project}".`, {
        details: { registered: project, named: config.project },
      });
    }
    const name = project === '' ? config.project : project;
    const records = this.#o.store.projects();
    const fileOf = (p: string): string => records.find((r) => r.name === p)?.configFile ?? '(unknown file)';
    for (const theirs of this.#o.host.routesOutside(name)) {
      for (const [service, spec] of Object.entries(config.services)) {
        for (const route of spec.routes) {
          if (route.host !== theirs.host || route.path !== theirs.path) continue;
          throw new SlipwayError('SLW_ROUTE_CONFLICT', `Route ${route.host}${route.path} of service "${service}" in ${config.file} is already served by project "${theirs.project}" (${fileOf(theirs.project)}).`, {
            details: { host: route.host, path: route.path, project: name, file: config.file, otherProject: theirs.project, otherFile: fileOf(theirs.project) },
          });
        }
      }
    }
    const checked = this.#hostSettings(name, config, fileOf);
    if (!records.some((r) => r.name === name)) {
      this.#o.store.registerProject({ name, configFile: config.file, ...(config.env === undefined ? {} : { env: config.env }), registeredAt: new Date(this.#o.now()).toISOString() });
    }
    return checked;
  }

  /**
   * After a deploy: an engine made for a project that was never admitted (its first deploy was
   * refused) goes away, so a refused project leaves nothing behind.
   */
  async settle(engine: Engine): Promise<void> {
    const name = engine.deps.project ?? '';
    if (this.#engines.get(name) !== engine) return;
    if (this.#o.store.projects().some((p) => p.name === name) || engine.deps.store.services().length > 0) return;
    await engine.close();
    this.#engines.delete(name);
  }

  /** Stops a project's instances, takes its routes out of the proxy and forgets it; other projects are not touched. */
  async remove(name: string, stateDir: string): Promise<{ stopped: number }> {
    const engine = this.#named(name);
    if (engine.lock()) {
      throw new SlipwayError('SLW_LOCK_HELD', `Project "${name}" has a deploy or rollback running.`, { hint: 'Wait for it to finish (or cancel it with `slipway deploy --cancel`), then remove the project.' });
    }
    const stopped = engine.deps.store.instances({ live: true }).length;
    await this.#o.host.drop(name);
    await engine.stopAll();
    await engine.close();
    this.#engines.delete(name);
    this.#o.store.removeProject(name);
    if (this.#settingsFrom()?.project === name) {
      this.#o.store.transact({ kind: 'host.settings', data: { released: name } }, (tx) => tx.setMeta(SETTINGS_FROM, JSON.stringify({ project: '', file: '' })));
    }
    if (name !== '') await rm(join(stateDir, 'projects', name), { recursive: true, force: true });
    return { stopped };
  }

  async stopAll(): Promise<void> {
    for (const engine of this.#engines.values()) await engine.stopAll();
  }

  async close(): Promise<void> {
    for (const engine of this.#engines.values()) await engine.close();
  }

  #hostSettings(name: string, config: Config, fileOf: (p: string) => string): Config {
    const host = storedListen({ store: this.#o.store });
    const from = this.#settingsFrom();
    const owner = from && from.project !== name && this.#engines.has(from.project) ? from.project : undefined;
    if (!config.proxyExplicit && host && owner !== undefined) {
      // No `proxy:` in this file: the host's settings, whoever set them.
      // The stored listen settings are the `proxy:` spec of the project that set them (setListen stores the spec whole).
      const hostProxy = host as unknown as Config['proxy'];
      return { ...config, proxy: { ...hostProxy, ...(config.proxy.https === undefined ? {} : { https: config.proxy.https }) } };
    }
    if (host && owner !== undefined && !sameSettings(host, config.proxy)) {
      throw new SlipwayError('SLW_HOST_SETTINGS_CONFLICT', `The proxy: settings of ${config.file} differ from the host's, set by project "${owner}" in ${fileOf(owner)}.`, {
        details: { file: config.file, hostSettingsFrom: fileOf(owner), host: settingsOf(host), this: settingsOf(config.proxy) },
      });
    }
    if (config.proxyExplicit && from?.project !== name) {
      this.#o.store.transact({ kind: 'host.settings', data: { project: name, file: config.file } }, (tx) => tx.setMeta(SETTINGS_FROM, JSON.stringify({ project: name, file: config.file })));
    }
    return config;
  }

  /** Which project set the host's `proxy:` settings (written by #hostSettings only). */
  #settingsFrom(): { project: string; file: string } | undefined {
    const raw = this.#o.store.meta(SETTINGS_FROM);
    // Our own meta value, always written as this shape by #hostSettings and remove().
    return raw ? (JSON.parse(raw) as { project: string; file: string }) : undefined;
  }

  #create(name: string): Engine {
    const store = this.#o.store.forProject(name);
    const engine = new Engine(this.#o.depsOf(name, store, this.#o.host.forProject(name)));
    this.#engines.set(name, engine);
    return engine;
  }

  #named(name: string): Engine {
    const engine = this.#engines.get(name);
    if (engine) return engine;
    throw this.#unknown(`There is no project named "${name}" on this host.`);
  }

  #unknown(message: string): SlipwayError {
    const known = this.#o.store.projects().map((p) => `${p.name} (${p.configFile})`);
    return new SlipwayError('SLW_PROJECT_UNKNOWN', message, { details: { projects: known } });
  }

  /** Ids of the live instances of every project but `name` (what its stray sweep leaves alone). */
  othersLive(name: string): Set<string> {
    const ids = new Set<string>();
    for (const [other, engine] of this.#engines) {
      if (other === name) continue;
      for (const i of engine.deps.store.instances({ live: true })) ids.add(i.id);
    }
    return ids;
  }
}

/** The project a config file names (`project:` at the top, else the folder's name), read by the daemon's config checker. */
export { projectNameOfFile };

function settingsOf(p: ListenSpec | Config['proxy']): unknown {
  return { host: p.host, http: p.http, accessLog: p.accessLog ?? true, trustedProxies: p.trustedProxies ?? [], limits: p.limits ?? null, rateLimits: p.rateLimits ?? {} };
}

function sameSettings(a: ListenSpec, b: Config['proxy']): boolean {
  return JSON.stringify(settingsOf(a)) === JSON.stringify(settingsOf(b));
}
