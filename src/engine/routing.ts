import type { RoutingTableInput, ServiceTable } from '../proxy/protocol.js';
import type { EngineDeps } from './deps.js';
import { maintenanceOf, storedMaintenance } from './maintenance.js';
import type { InstanceRecord, ReleaseSpec } from './records.js';

export interface ListenSpec {
  readonly host: string;
  readonly http: number;
  /** proxy.accessLog (absent in state written before it existed: on). */
  readonly accessLog?: boolean | undefined;
  /** proxy.trustedProxies, proxy.limits, proxy.rateLimits (absent in state written before they existed: none, defaults, none). */
  readonly trustedProxies?: readonly string[] | undefined;
  readonly limits?: RoutingTableInput['limits'];
  readonly rateLimits?: RoutingTableInput['rateLimits'];
}

const LISTEN_KEY = 'proxy.listen';
const VERSION_KEY = 'proxy.tableVersion';

export function storedListen(deps: Pick<EngineDeps, 'store'>): ListenSpec | undefined {
  const raw = deps.store.meta(LISTEN_KEY);
  return raw ? (JSON.parse(raw) as ListenSpec) : undefined;
}

/** Records the proxy's listen settings (journaled), unless they are the ones stored already. */
export function writeListen(deps: Pick<EngineDeps, 'store'>, listen: ListenSpec): void {
  const current = storedListen(deps);
  if (current && current.host === listen.host && current.http === listen.http && (current.accessLog ?? true) === (listen.accessLog ?? true) && sameAdmission(current, listen)) return;
  deps.store.transact({ kind: 'proxy.listen', data: listen }, (tx) => tx.setMeta(LISTEN_KEY, JSON.stringify(listen)));
}

/** Instances of a release that may take traffic. */
export function servingInstances(deps: Pick<EngineDeps, 'store'>, service: string, releaseId: string): InstanceRecord[] {
  return deps.store.instances({ service, releaseId }).filter((i) => i.state === 'healthy' || i.state === 'unhealthy');
}

/** The routing table implied by the store: every service's active release, its serving instances. */
export function desiredTable(deps: Pick<EngineDeps, 'store'>, version: number, listen: ListenSpec): RoutingTableInput {
  const table: RoutingTableInput = { version, listen: { host: listen.host, http: listen.http }, routes: [], services: {}, ...(listen.accessLog === false ? { accessLog: false } : {}), ...admissionOf(listen) };
  const maintenance = storedMaintenance(deps);
  for (const service of deps.store.services()) {
    if (!service.activeRelease) continue;
    const paused = maintenanceOf(maintenance, service.name);
    const release = deps.store.release(service.name, service.activeRelease);
    if (!release) continue;
    const { spec } = release;
    // A worker takes no traffic: the proxy neither routes to it nor checks it.
    if (spec.kind === 'worker' || spec.kind === 'accessory') continue;
    const canary = service.canary ? deps.store.release(service.name, service.canary.release) : undefined;
    const split = canary && service.canary ? { active: 1 - service.canary.weight, canary: service.canary.weight } : undefined;
    table.services[service.name] = {
      ...(split && canary
        ? {
            weights: { [release.id]: split.active, [canary.id]: split.canary },
            ...(canary.spec.sticky ? { sticky: { ...canary.spec.sticky } } : {}),
          }
        : {}),
      health: {
        path: spec.health.path,
        intervalMs: spec.health.intervalMs,
        timeoutMs: spec.health.timeoutMs,
        rise: spec.health.rise,
        fall: spec.health.fall,
      },
      drainMs: spec.drainMs,
      ...(spec.headers ? { headers: headerPolicyOf(spec.headers) } : {}),
      ...(spec.compress === undefined ? {} : { compress: spec.compress }),
      ...(paused ? { maintenance: { ...(paused.message === undefined ? {} : { message: paused.message }), allow: [...paused.allow] } } : {}),
      targets: [...servingInstances(deps, service.name, release.id), ...(canary ? servingInstances(deps, service.name, canary.id) : [])].flatMap((i) =>
        i.handle ? [{ id: i.id, release: i.releaseId, host: i.handle.address.host, port: i.handle.address.port }] : [],
      ),
    };
    for (const route of spec.routes) {
      table.routes.push({
        host: route.host,
        path: route.path,
        service: service.name,
        ...(route.rateLimit === undefined ? {} : { rateLimit: route.rateLimit }),
        ...(route.basicAuth === undefined ? {} : { basicAuth: { realm: route.basicAuth.realm, users: { ...route.basicAuth.users } } }),
        ...(route.allow === undefined ? {} : { allow: [...route.allow] }),
        ...(route.deny === undefined ? {} : { deny: [...route.deny] }),
      });
    }
  }
  return table;
}

/** The proxy-wide admission settings (src/proxy/admission/) the table carries. */
function admissionOf(listen: ListenSpec): Pick<RoutingTableInput, 'trustedProxies' | 'limits' | 'rateLimits'> {
  return {
    ...(listen.trustedProxies?.length ? { trustedProxies: [...listen.trustedProxies] } : {}),
    ...(listen.limits ? { limits: { ...listen.limits } } : {}),
    ...(listen.rateLimits && Object.keys(listen.rateLimits).length > 0 ? { rateLimits: structuredClone(listen.rateLimits) } : {}),
  };
}

function sameAdmission(a: ListenSpec, b: ListenSpec): boolean {
  return JSON.stringify(admissionOf(a)) === JSON.stringify(admissionOf(b));
}

/** A release's header settings as the proxy's table takes them (empty parts left out). */
function headerPolicyOf(headers: NonNullable<ReleaseSpec['headers']>): NonNullable<ServiceTable['headers']> {
  return {
    preset: headers.preset,
    ...(Object.keys(headers.set).length > 0 ? { set: { ...headers.set } } : {}),
    ...(headers.remove.length > 0 ? { remove: [...headers.remove] } : {}),
    ...(headers.paths && Object.keys(headers.paths).length > 0 ? { paths: pathRulesOf(headers.paths) } : {}),
  };
}

function pathRulesOf(paths: NonNullable<NonNullable<ReleaseSpec['headers']>['paths']>): NonNullable<NonNullable<ServiceTable['headers']>['paths']> {
  return Object.fromEntries(
    Object.entries(paths).map(([prefix, rule]) => [prefix, { ...(Object.keys(rule.set).length > 0 ? { set: { ...rule.set } } : {}), ...(rule.remove.length > 0 ? { remove: [...rule.remove] } : {}) }]),
  );
}

/**
 * Publishes the desired table to the proxy. Calls are serialized so tables reach the proxy in
 * version order; the version is journaled before the push (invariant 2).
 */
export class TablePublisher {
  #chain: Promise<unknown> = Promise.resolve();
  readonly #deps: EngineDeps;

  constructor(deps: EngineDeps) {
    this.#deps = deps;
  }

  setListen(listen: ListenSpec): void {
    writeListen(this.#deps, listen);
  }

  /** Makes sure our next version is above whatever the proxy holds (after a restart). */
  raiseVersion(atLeast: number): void {
    const current = Number(this.#deps.store.meta(VERSION_KEY) ?? '0');
    if (atLeast > current) {
      this.#deps.store.transact({ kind: 'proxy.version', data: { version: atLeast } }, (tx) => tx.setMeta(VERSION_KEY, String(atLeast)));
    }
  }

  publish(reason: string): Promise<number> {
    const next = this.#chain.then(() => this.#publishNow(reason));
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #publishNow(reason: string): Promise<number> {
    const listen = storedListen(this.#deps);
    if (!listen) return 0;
    const version = Number(this.#deps.store.meta(VERSION_KEY) ?? '0') + 1;
    const table = desiredTable(this.#deps, version, listen);
    this.#deps.store.transact({ kind: 'proxy.publish', data: { version, reason } }, (tx) => tx.setMeta(VERSION_KEY, String(version)));
    await this.#deps.dataPlane.apply(table);
    this.#deps.events?.publish({ kind: 'proxy', what: 'table', detail: `v${version}: ${reason}` });
    return version;
  }
}
