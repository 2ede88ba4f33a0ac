import type { DeployResult } from '../api/schemas.js';
import type { Config } from '../config/model.js';
import { SlipwayError, toSlipwayError } from '../errors.js';
import { deployService } from './blue-green.js';
import { deployAccessory, rollbackOne } from './accessory.js';
import { EngineContext } from './context.js';
import type { Reporter } from './deployment-run.js';
import type { EngineDeps } from './deps.js';
import { recover, type RecoveryReport } from './recover.js';
import { resultOfRecord } from './outcome.js';
import type { DeploymentRecord } from './records.js';
import type { DeploymentView, LockView, PlanState, ServiceView } from '../api/schemas.js';
import type { MaintenanceState } from '../api/proxy-schemas.js';
import type { ProxyStatus } from '../proxy/protocol.js';
import { deploymentView, lockView, serviceViews, stackView } from './views.js';
import { deployStack, rollbackStack } from './stack-deploy.js';
import type { OperationResult } from './outcome.js';
import { activeReleases } from './plan-view.js';
import { changeMaintenance, maintenanceState, type MaintenanceChange } from './maintenance.js';
import { storedListen, type ListenSpec } from './routing.js';
import { resumeCanary } from './canary-resume.js';
import { Reaper } from './reaper.js';
import { deployOrder } from './deploy-order.js';
import { recordStack, stackToRollBack } from './last-stack.js';
import { listVolumes, volumesRoot } from './volumes.js';
import { releasesRoot } from './build-release.js';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { stopUnused } from './stop-instance.js';
import { instanceLogs } from './instance-ops.js';
import { Supervisor } from './supervisor.js';
import { requestCanaryAction, type CanaryAction, type CanaryStatus } from './canary-control.js';

export interface ConfigRef {
  readonly configFile: string;
  readonly env?: string | undefined;
}

export interface BatchResult {
  readonly results: DeployResult[];
  readonly error: SlipwayError | undefined;
  /** The config the deploy loaded (once per request), for what the caller does after it. */
  readonly config?: Config;
  /** The stack deployment, when several services were deployed or rolled back. */
  readonly stack?: DeploymentView;
}

/** The deploy engine of one daemon: deploys, rollbacks, recovery and background convergence. */
export class Engine {
  readonly ctx: EngineContext;
  readonly #supervisor: Supervisor;
  readonly #reaper: Reaper;

  constructor(deps: EngineDeps) {
    this.ctx = new EngineContext(deps);
    this.#supervisor = new Supervisor(this.ctx);
    this.#reaper = new Reaper(this.ctx);
  }

  get deps(): EngineDeps {
    return this.ctx.deps;
  }

  async boot(proxyVersion: number): Promise<RecoveryReport> {
    const report = await recover(this.ctx, proxyVersion);
    this.#supervisor.resume();
    for (const deployment of this.deps.store.deployments({ open: true })) {
      if (deployment.state === 'canary') void resumeCanary(this.ctx, deployment).catch(() => undefined);
    }
    void this.#reaper.tick();
    return report;
  }

  /**
   * Deploys the named service, or every service as one stack deployment (deployStack): in
   * dependsOn levels, independent services side by side, each gated on its dependencies being
   * healthy; a failure stops the levels after it and the services already switched go back to
   * their previous releases, last first, unless `stackRollback` is false.
   */
  async deploy(ref: ConfigRef, service: string | undefined, reporter: Reporter, strategy?: 'blue-green' | 'canary', signal?: AbortSignal, options: { stackRollback?: boolean } = {}): Promise<BatchResult> {
    const config = await this.deps.loadConfig(ref);
    const names = service === undefined ? deployOrder(config.services) : [service];
    for (const name of names) {
      if (!config.services[name]) {
        throw new SlipwayError('SLW_UNKNOWN_SERVICE', `There is no service named "${name}" in ${config.file}.`, {
          details: { known: Object.keys(config.services) },
        });
      }
    }
    const deployOne = (name: string): Promise<OperationResult> => {
      const spec = config.services[name];
      const inPlace = spec?.kind === 'accessory' || (spec?.kind === 'worker' && spec.replace === 'stop-first');
      return (inPlace ? deployAccessory : deployService)(this.ctx, config, name, reporter, strategy, signal);
    };
    if (names.length === 1) {
      const { result, error } = await deployOne(names[0] ?? '');
      if (service === undefined) recordStack(this.deps, [result]);
      return { results: [result], error, config };
    }
    const { results, error, stack } = await deployStack(this.ctx, config, names, reporter, {
      deploy: deployOne,
      rollback: (name, because) => rollbackOne(this.ctx, name, reporter, because),
      stackRollback: options.stackRollback !== false,
    });
    if (!error || !results.some((r) => r.kind === 'rollback')) recordStack(this.deps, results);
    return { results, error, config, stack: stackView(stack) };
  }

  /** Deployments not finished yet (of one service), newest first: running here or resumed canaries. */
  openDeployments(service?: string): DeploymentRecord[] {
    return this.deps.store.deployments({ open: true, ...(service === undefined ? {} : { service }) });
  }

  /** The result of a finished deployment (undefined while it runs). */
  result(deploymentId: string): DeployResult | undefined {
    const record = this.deps.store.deployment(deploymentId);
    return record ? resultOfRecord(record) : undefined;
  }

  /**
   * `slipway deploy --cancel`: deployments of `service` (or all) that have not committed stop
   * and go back; a canary is aborted (traffic back to the stable release).
   */
  cancel(service?: string): string[] {
    const open = this.openDeployments(service);
    const cancelled: string[] = [];
    for (const record of open) {
      if (record.state === 'canary') {
        requestCanaryAction(this.deps, record.service, 'abort');
        cancelled.push(record.id);
        continue;
      }
      if (this.ctx.running.get(record.id)?.cancel('`slipway deploy --cancel`')) cancelled.push(record.id);
    }
    if (cancelled.length === 0) {
      throw new SlipwayError('SLW_NO_DEPLOYMENT_RUNNING', `No deployment${service ? ` of ${service}` : ''} is running that can still be cancelled.`, {
        details: { open: open.map((d) => `${d.id} (${d.service}, ${d.state})`) },
      });
    }
    return cancelled;
  }

  /**
   * Rolls back the named service; with none, the last stack deploy (`deploy` of every service), its
   * services in reverse deploy order; with no stack deploy recorded, every service that has a previous release.
   */
  async rollback(service: string | undefined, reporter: Reporter): Promise<BatchResult> {
    const known = this.deps.store.services();
    if (service !== undefined && !known.some((s) => s.name === service)) {
      throw new SlipwayError('SLW_UNKNOWN_SERVICE', `Service "${service}" has never been deployed here.`, {
        details: { known: known.map((s) => s.name) },
      });
    }
    const stack = service === undefined ? stackToRollBack(this.deps) : undefined;
    const names = service !== undefined ? [service] : stack ? stack.services : known.filter((s) => s.previousRelease).map((s) => s.name);
    if (names.length === 0) throw new SlipwayError('SLW_NO_PREVIOUS_RELEASE', stack ? `The services of the last stack deploy (${stack.record.at}) have been deployed or rolled back since: nothing of it is left to undo.` : 'No service has a previous release to roll back to.');
    if (stack) reporter({ type: 'note', message: `rolling back the last stack deploy (${stack.record.at}), last first: ${names.join(', ')}` });
    if (names.length === 1) {
      const { result, error } = await rollbackOne(this.ctx, names[0] ?? '', reporter);
      if (stack && !error) recordStack(this.deps, [result]);
      return { results: [result], error };
    }
    const outcome = await rollbackStack(this.ctx, names, (name) => rollbackOne(this.ctx, name, reporter));
    // Undoing the undo is the next `rollback`: its services forward again, dependencies first.
    if (stack && !outcome.error) recordStack(this.deps, outcome.results);
    return { results: outcome.results, error: outcome.error, stack: stackView(outcome.stack) };
  }

  /** `slipway canary promote|abort|pause|resume`, and `status` (every canary in progress). */
  canary(service: string | undefined, action: CanaryAction | 'status'): CanaryStatus[] {
    const open = this.deps.store.deployments({ open: true }).filter((d) => d.state === 'canary' && (service === undefined || d.service === service));
    if (action !== 'status') {
      const target = service ?? (open.length === 1 ? open[0]?.service : undefined);
      if (target === undefined) {
        throw new SlipwayError('SLW_NO_CANARY', open.length === 0 ? 'No canary is in progress.' : 'Several canaries are in progress: name the service.');
      }
      requestCanaryAction(this.deps, target, action);
    }
    return this.deps.store
      .deployments({ open: true })
      .filter((d) => d.state === 'canary' && d.canary && (service === undefined || d.service === service))
      .map((d) => {
        const live = this.ctx.canarySteps.get(d.id);
        return {
          service: d.service,
          deploymentId: d.id,
          stable: d.fromRelease ?? '',
          canary: d.releaseId ?? '',
          step: (d.canary?.step ?? 0) + 1,
          steps: d.canary?.plan.length ?? 0,
          weight: d.canary?.weight ?? 0,
          paused: d.canary?.paused ?? false,
          note: d.canary?.abort ? 'abort requested' : d.canary?.promote ? 'promote requested' : undefined,
          stepMs: live ? Math.max(0, this.deps.now() - live.startedAt) : undefined,
          evidence: live?.evidence,
        };
      });
  }

  async logs(service: string, lines: number): Promise<{ id: string; release: string; state: string; lines: string[] }[]> {
    const instances = this.deps.store.instances({ service });
    if (instances.length === 0 && !this.deps.store.service(service)) {
      throw new SlipwayError('SLW_UNKNOWN_SERVICE', `Service "${service}" has never been deployed here.`);
    }
    const active = this.deps.store.service(service)?.activeRelease;
    const shown = instances.filter((i) => i.state !== 'stopped' || i.releaseId === active).slice(-8);
    return Promise.all(
      shown.map(async (i) => ({
        id: i.id,
        release: i.releaseId,
        state: i.state,
        lines: await instanceLogs(this.deps, i, lines).catch((err: unknown) => [toSlipwayError(err).message]),
      })),
    );
  }

  /** Services with their releases and instances (live proxy state joined in when given). */
  services(proxy?: ProxyStatus): ServiceView[] {
    return serviceViews(this.deps, proxy);
  }

  /**
   * `slipway remove SERVICE`: its routes leave the proxy (one table swap), its instances stop
   * (drained), its record, releases and release folders go; its deployments stay as history.
   * Its volumes stay unless `volumes` (and one another service still links is kept anyway).
   */
  async remove(service: string, options: { volumes: boolean }): Promise<{ stopped: number; releases: number; volumes: string[]; keptVolumes: string[] }> {
    const { deps } = this;
    const record = deps.store.service(service);
    if (!record) {
      throw new SlipwayError('SLW_UNKNOWN_SERVICE', `Service "${service}" has never been deployed here.`, { details: { known: deps.store.services().map((s) => s.name) } });
    }
    const lease = deps.lock.acquire(`removal of ${service} (daemon pid ${process.pid})`, undefined);
    try {
      const releases = deps.store.releases(service);
      const named = new Set(releases.flatMap((r) => Object.keys(r.spec.volumes ?? {})));
      const usedElsewhere = new Set(
        deps.store
          .services()
          .filter((s) => s.name !== service && s.activeRelease)
          .flatMap((s) => Object.keys(deps.store.release(s.name, s.activeRelease ?? '')?.spec.volumes ?? {})),
      );
      deps.store.transact({ kind: 'service.removing', data: { service } }, (tx) => tx.putService({ name: service, activeRelease: undefined, previousRelease: undefined, warmUntil: undefined }));
      await this.ctx.publisher.publish(`removal of ${service}`);
      const live = deps.store.instances({ service, live: true });
      await stopUnused(deps, live);
      deps.store.transact({ kind: 'service.removed', data: { service, releases: releases.map((r) => r.id) } }, (tx) => tx.removeService(service));
      await rm(join(releasesRoot(deps), service), { recursive: true, force: true });
      for (const r of releases) await rm(r.dir, { recursive: true, force: true });
      const volumes = options.volumes ? [...named].filter((v) => !usedElsewhere.has(v)) : [];
      for (const v of volumes) await rm(join(volumesRoot(deps), v), { recursive: true, force: true });
      return { stopped: live.length, releases: releases.length, volumes, keptVolumes: [...named].filter((v) => !volumes.includes(v)) };
    } finally {
      lease.release();
    }
  }

  /** The project's volumes on disk, with the services whose active release links them. */
  async volumes(): Promise<{ name: string; dir: string; bytes: number; services: string[] }[]> {
    const users = new Map<string, string[]>();
    for (const service of this.deps.store.services()) {
      const release = service.activeRelease ? this.deps.store.release(service.name, service.activeRelease) : undefined;
      for (const volume of Object.keys(release?.spec.volumes ?? {})) users.set(volume, [...(users.get(volume) ?? []), service.name]);
    }
    return (await listVolumes(this.deps)).map((v) => ({ ...v, services: users.get(v.name) ?? [] }));
  }

  /**
   * Newest first. Of one service: its own deployments (those of stack deployments included);
   * of the project: each stack deployment as one entry with its services' reports, and the
   * deployments of one service made on their own.
   */
  history(service: string | undefined, limit: number): DeploymentView[] {
    if (service !== undefined) return this.deps.store.deployments({ service, limit }).map(deploymentView);
    const alone = this.deps.store.deployments({ alone: true, limit }).map(deploymentView);
    const stacks = this.deps.store.stacks({ limit }).map(stackView);
    return [...alone, ...stacks].sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0)).slice(0, limit);
  }

  plan(service: string | undefined): PlanState['services'] {
    return activeReleases(this.deps, service);
  }

  /** The lock as this daemon sees it: one whose release is owed to a full disk is free. */
  lock(): LockView | undefined {
    return lockView(this.deps.lock.status().lock, this.deps.now());
  }

  /** `slipway lock release`: a stale lock always; a live one only with force. */
  releaseLock(force: boolean): LockView | undefined {
    const status = this.deps.lock.status();
    if (!status.lock) return undefined;
    if (!status.stale && !force) {
      throw new SlipwayError('SLW_LOCK_HELD', `The lock is held by ${status.lock.owner}, whose heartbeat is current.`, {
        hint: 'Wait for that operation to finish, or pass --force if you are sure it is gone.',
      });
    }
    return lockView(this.deps.lock.forceRelease(force ? 'released with --force' : 'stale'), this.deps.now());
  }

  /** `slipway maintenance`: journaled first; resolves once the proxy acknowledged the table that carries it. */
  async maintenance(change: MaintenanceChange | undefined): Promise<MaintenanceState> {
    if (change) {
      changeMaintenance(this.deps, change);
      await this.ctx.publisher.publish(`maintenance ${change.action}${change.service ? ` ${change.service}` : ''}`);
    }
    return maintenanceState(this.deps);
  }

  /** Publishes the routing table the state implies (after a proxy restart, a certificate change). */
  publish(reason: string): Promise<number> {
    return this.ctx.publisher.publish(reason);
  }

  /** The proxy's listen settings: from the first config seen, then from the state. */
  hasListen(): boolean {
    return storedListen(this.deps) !== undefined;
  }

  setListen(listen: ListenSpec): void {
    this.ctx.publisher.setListen(listen);
  }

  /** Stops every instance (drained), for `slipway stop` without --keep-apps. */
  async stopAll(): Promise<void> {
    this.#supervisor.close();
    await stopUnused(this.deps, this.deps.store.instances({ live: true }));
  }

  async close(): Promise<void> {
    this.#supervisor.close();
    this.#reaper.close();
    await this.#reaper.settle();
  }
}
