import { SlipwayError } from '../errors.js';
import type { DataPlane } from '../engine/deps.js';
import type { ProxyStatus, RoutingTableInput, TableAck } from '../proxy/protocol.js';

/**
 * The one routing table of the host, made of every project's part. Each project's engine
 * publishes its own table as if it were alone (`forProject`); this merges the parts, names each
 * service `project/service` in the proxy (so two projects' `web` stay apart in routing, counters
 * and metrics), numbers the merged tables itself and pushes them one at a time. A project's
 * view of the proxy's status shows its own services only, under their own names.
 */
export class HostTable {
  readonly #inner: DataPlane;
  readonly #parts = new Map<string, RoutingTableInput>();
  #version: number;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(inner: DataPlane, startVersion: number) {
    this.#inner = inner;
    this.#version = startVersion;
  }

  /** A project's table before its engine has booted: a restart then pushes no table without it. */
  seed(project: string, table: RoutingTableInput): void {
    if (!this.#parts.has(project)) this.#parts.set(project, table);
  }

  /** The host and path of each route every other project serves now (the route conflict check). */
  routesOutside(project: string): { project: string; host: string; path: string }[] {
    const out: { project: string; host: string; path: string }[] = [];
    for (const [name, part] of this.#parts) {
      if (name === project) continue;
      for (const route of part.routes) out.push({ project: name, host: route.host, path: route.path ?? '/' });
    }
    return out;
  }

  forProject(project: string): DataPlane {
    return {
      apply: (table) => this.#apply(project, table),
      status: async () => projectStatus(await this.#inner.status(), project),
    };
  }

  /** State of before projects adopted by a project: its part goes by the new name. */
  rename(from: string, to: string): void {
    const part = this.#parts.get(from);
    if (!part) return;
    this.#parts.delete(from);
    this.#parts.set(to, part);
  }

  /** Pushes the parts it holds again (certificates or challenges changed: the decoration is new). */
  republish(): Promise<TableAck | undefined> {
    return this.#push();
  }

  /** Takes a project's routes and services out of the proxy (project removal). */
  drop(project: string): Promise<TableAck | undefined> {
    this.#parts.delete(project);
    return this.#push();
  }

  /**
   * A host without projects yet still listens (and answers 404) on the ports its settings name:
   * a table of no routes, replaced by the first project's part.
   */
  listenOnly(table: RoutingTableInput): Promise<TableAck | undefined> {
    if (this.#parts.size > 0) return Promise.resolve(undefined);
    this.#parts.set(HOST_ONLY, { ...table, routes: [], services: {} });
    return this.#push();
  }

  #apply(project: string, table: RoutingTableInput): Promise<TableAck> {
    this.#parts.delete(HOST_ONLY);
    this.#parts.set(project, table);
    return this.#push().then((ack) => {
      if (!ack) throw new SlipwayError('SLW_INTERNAL', 'The host table had no part to push.');
      return ack;
    });
  }

  #push(): Promise<TableAck | undefined> {
    const next = this.#chain.then(() => {
      const merged = this.#merged();
      return merged ? this.#inner.apply(merged) : undefined;
    });
    this.#chain = next.catch(() => undefined);
    return next;
  }

  /** The parts as one table; listen settings are the host's, the same in every part (the newest wins). */
  #merged(): RoutingTableInput | undefined {
    const parts = [...this.#parts.entries()];
    const newest = parts.at(-1)?.[1];
    if (!newest) return undefined;
    this.#version += 1;
    const { routes: _routes, services: _services, version: _version, ...host } = newest;
    const merged: RoutingTableInput = { ...host, version: this.#version, routes: [], services: {} };
    for (const [project, part] of parts) {
      for (const [name, service] of Object.entries(part.services)) merged.services[qualified(project, name)] = service;
      for (const route of part.routes) merged.routes.push({ ...route, service: qualified(project, route.service) });
    }
    return merged;
  }
}

/** The part of a host without projects ("#" is no project's name). */
const HOST_ONLY = '#';

/** A service's name in the proxy: `project/service` (state of before projects keeps its plain names). */
export function qualified(project: string, service: string): string {
  return project === '' ? service : `${project}/${service}`;
}

/** The proxy's status as one project sees it: its services only, under their own names. */
function projectStatus(status: ProxyStatus, project: string): ProxyStatus {
  const own = (key: string): string | undefined => {
    if (project === '') return key.includes('/') ? undefined : key;
    return key.startsWith(`${project}/`) ? key.slice(project.length + 1) : undefined;
  };
  const services: ProxyStatus['services'] = {};
  for (const [key, stats] of Object.entries(status.services)) {
    const name = own(key);
    if (name !== undefined) services[name] = stats;
  }
  const targets = status.targets.flatMap((t) => {
    const name = own(t.service);
    return name === undefined ? [] : [{ ...t, service: name }];
  });
  return { ...status, services, targets };
}
