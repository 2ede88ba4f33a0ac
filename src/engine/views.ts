import type { DeploymentView, InstanceView, LockView, ServiceView } from '../api/schemas.js';
import type { ProxyStatus } from '../proxy/protocol.js';
import type { EngineDeps } from './deps.js';
import { isLive } from './instance-state.js';
import { isStale } from './lock.js';
import type { DeploymentRecord, InstanceRecord, LockRecord, ServiceRecord, StackDeploymentRecord } from './records.js';
import { maintenanceOf, storedMaintenance } from './maintenance.js';

function roleOf(service: ServiceRecord | undefined, instance: InstanceRecord): InstanceView['role'] {
  if (service?.activeRelease === instance.releaseId) return 'active';
  if (service?.canary?.release === instance.releaseId) return 'canary';
  if (service?.previousRelease === instance.releaseId) return 'warm';
  return instance.state === 'starting' ? 'new' : 'old';
}

export function serviceViews(deps: EngineDeps, proxy: ProxyStatus | undefined): ServiceView[] {
  const maintenance = storedMaintenance(deps);
  return deps.store.services().map((service) => {
    const active = service.activeRelease ? deps.store.release(service.name, service.activeRelease) : undefined;
    const instances = deps.store
      .instances({ service: service.name })
      .filter((i) => isLive(i.state) || (i.state === 'failed' && i.releaseId === service.activeRelease));
    return {
      name: service.name,
      ...(service.activeRelease ? { activeRelease: service.activeRelease } : {}),
      ...(service.previousRelease ? { previousRelease: service.previousRelease } : {}),
      ...(service.warmUntil ? { warmUntil: new Date(service.warmUntil).toISOString() } : {}),
      routes: active ? active.spec.routes.map((r) => ({ host: r.host, path: r.path })) : [],
      instances: instances.map((i) => instanceView(service, i, proxy)),
      releases: deps.store
        .releases(service.name)
        .filter((r) => r.status !== 'pruned')
        .map((r) => ({ id: r.id, createdAt: r.createdAt, status: r.status, ...(r.commit ? { commit: r.commit } : {}) })),
      ...(maintenanceOf(maintenance, service.name) ? { maintenance: true } : {}),
    };
  });
}

function instanceView(service: ServiceRecord, i: InstanceRecord, proxy: ProxyStatus | undefined): InstanceView {
  const target = proxy?.targets.find((t) => t.id === i.id);
  return {
    id: i.id,
    release: i.releaseId,
    port: i.port,
    ...(i.handle?.pid !== undefined ? { pid: i.handle.pid } : {}),
    ...(i.handle ? { ref: i.handle.ref } : {}),
    state: i.state,
    role: roleOf(service, i),
    inRotation: target?.inRotation ?? false,
    ...(target ? { healthy: target.healthy, inflight: target.inflight } : {}),
    restarts: i.restarts,
    ...(i.lastExit ? { lastExit: i.lastExit } : {}),
  };
}

export function deploymentView(d: DeploymentRecord): DeploymentView {
  return {
    id: d.id,
    service: d.service,
    kind: d.kind,
    ...(d.releaseId ? { release: d.releaseId } : {}),
    ...(d.fromRelease ? { fromRelease: d.fromRelease } : {}),
    ...ending(d),
    ...(d.stackId ? { stackId: d.stackId } : {}),
  };
}

/** State, start, end, why and who: what a deployment and a stack deployment show alike. */
function ending(d: DeploymentRecord | StackDeploymentRecord): Pick<DeploymentView, 'state' | 'startedAt' | 'endedAt' | 'reason' | 'errorCode' | 'actor'> {
  return {
    state: d.state,
    startedAt: d.startedAt,
    ...(d.endedAt ? { endedAt: d.endedAt } : {}),
    ...(d.reason ? { reason: d.reason } : {}),
    ...(d.errorCode ? { errorCode: d.errorCode } : {}),
    ...(d.actor ? { actor: { user: d.actor.user, host: d.actor.host, ...(d.actor.ci ? { ci: d.actor.ci } : {}) } } : {}),
  };
}

/** A stack deployment as one history entry: `service` names its services in deploy order, `services` reports on each. */
export function stackView(s: StackDeploymentRecord): DeploymentView {
  return {
    id: s.id,
    service: s.services.map((r) => r.service).join(','),
    kind: s.kind,
    ...ending(s),
    services: s.services.map(({ steps, ...r }) => ({
      ...r,
      ...(r.startedAt && r.endedAt ? { durationMs: Date.parse(r.endedAt) - Date.parse(r.startedAt) } : {}),
      ...(steps ? { steps: steps.map((st) => ({ ...st })) } : {}),
    })),
  };
}

export function lockView(lock: LockRecord | undefined, now: number): LockView | undefined {
  if (!lock) return undefined;
  return {
    owner: lock.owner,
    pid: lock.pid,
    ...(lock.deploymentId ? { deploymentId: lock.deploymentId } : {}),
    acquiredAt: lock.acquiredAt,
    heartbeatAt: lock.heartbeatAt,
    expiresAt: lock.expiresAt,
    stale: isStale(lock, now),
  };
}
