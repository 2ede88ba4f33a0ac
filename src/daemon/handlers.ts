import { withActor } from '../engine/actor.js';
import { SlipwayError } from '../errors.js';
import type { Engine } from '../engine/engine.js';
import type { ProxyStatus } from '../proxy/protocol.js';
import type { Handlers } from './control-server.js';
import type { Daemon } from './daemon.js';
import type { ProxySupervisor } from './proxy-supervisor.js';
import { VERSION } from '../version.js';
import { certView, planView } from '../certs/cert-view.js';
import { backupHandlers } from './backup-wiring.js';
import { proxyHandlers } from './proxy-handlers.js';
import { eventHandlers } from './event-handlers.js';
import type { Projects, ProjectScope } from './projects.js';

/** Finds the engine of the project a request is about (see Projects.find). */
export interface ProjectFinder {
  /** Undefined while the host has no project yet. */
  find(scope: ProjectScope): Promise<Engine | undefined>;
  /** As find, but a host without projects is an error. */
  must(scope: ProjectScope): Promise<Engine>;
}

function finderOf(projects: Projects): ProjectFinder {
  return {
    find: (scope) => projects.find(scope),
    must: async (scope) => {
      const engine = await projects.find(scope);
      if (engine) return engine;
      throw new SlipwayError('SLW_PROJECT_UNKNOWN', 'Nothing has been deployed on this host yet.', { hint: 'Deploy a project first: `slipway deploy` in its folder.' });
    },
  };
}

/** Control API handlers: thin translations between API requests and each project's engine. */
export function createHandlers(daemon: Daemon, projects: Projects, proxy: ProxySupervisor): Handlers {
  const now = (): number => Date.now();
  const finder = finderOf(projects);
  return {
    status: async (req) => {
      let live: ProxyStatus | undefined;
      try {
        live = await proxy.status();
      } catch {
        live = undefined;
      }
      const engine = await finder.find(req);
      const lock = engine?.lock();
      const project = engine?.deps.project;
      return {
        daemon: { pid: process.pid, startedAt: daemon.startedAt.toISOString(), stateDir: daemon.options.stateDir, version: VERSION },
        proxy: live ? { up: true, pid: live.pid, httpPort: live.httpPort, tableVersion: live.tableVersion } : { up: false },
        ...(lock ? { lock } : {}),
        ...(project ? { project } : {}),
        projects: projects.names().filter((n) => n !== ''),
        // The engine filters the proxy's status to its own services (HostTable.forProject).
        services: engine ? engine.services(live ? await engine.deps.dataPlane.status().catch(() => undefined) : undefined) : [],
        ...(daemon.alerts ? { alerts: { firing: daemon.alerts.firing().length, notifiers: daemon.alerts.notifierHealth() } } : {}),
      };
    },
    'projects.list': async () => ({
      projects: projects.list().map((p) => ({
        name: p.name,
        ...(p.record ? { configFile: p.record.configFile, registeredAt: p.record.registeredAt, ...(p.record.env === undefined ? {} : { env: p.record.env }) } : {}),
        services: p.services,
        serving: p.serving,
        instances: p.instances,
      })),
    }),
    'projects.remove': async (req) => {
      const { stopped } = await projects.remove(req.name, daemon.options.stateDir);
      await daemon.certs.forget(req.name).catch(() => undefined);
      return { removed: req.name, stopped };
    },
    deploy: async (req, emit, signal) => {
      const engine = await projects.forDeploy(req);
      // The deploying client going away (Ctrl-C) cancels the deployment, which then reverts.
      const { results, error, config, stack } = await withActor(req.actor, () =>
        engine.deploy(req, req.service, emit, req.strategy, signal, req.stackRollback === undefined ? {} : { stackRollback: req.stackRollback }),
      ).finally(() => projects.settle(engine));
      // The config this deploy loaded (once per request); pruning old versions can wait for the next deploy.
      if (!error && config) await daemon.secretsDeployed(config).catch(() => undefined);
      const also = stack ? { stack } : {};
      emit(error ? { type: 'error', error: error.toJSON(), results, ...also } : { type: 'result', results, ...also });
    },
    rollback: async (req, emit) => {
      const engine = await finder.must(req);
      const { results, error, stack } = await withActor(req.actor, () => engine.rollback(req.service, emit));
      // --with-data: the pre-deploy snapshot of the release rolled back from goes back in place.
      const dataError = req.withData && !error ? await daemon.backups.restoreAfterRollback(req, results, emit) : undefined;
      const failed = error ?? dataError;
      const also = stack ? { stack } : {};
      emit(failed ? { type: 'error', error: failed.toJSON(), results, ...also } : { type: 'result', results, ...also });
    },
    ...eventHandlers(finder, daemon.events),
    'deploy.cancel': async (req) => ({ cancelled: (await finder.must(req)).cancel(req.service) }),
    'service.remove': async (req) => ({ service: req.service, ...(await (await finder.must(req)).remove(req.service, { volumes: req.volumes === true })) }),
    volumes: async (req) => ({ volumes: (await (await finder.find(req))?.volumes()) ?? [] }),
    history: async (req) => ({ deployments: (await finder.find(req))?.history(req.service, req.limit ?? 20) ?? [] }),
    logs: async (req) => ({ instances: await (await finder.must(req)).logs(req.service, req.lines ?? 50) }),
    plan: async (req) => ({ services: (await finder.find(req))?.plan(req.service) ?? [] }),
    'lock.status': async (req) => {
      const lock = (await finder.find(req))?.lock();
      return lock ? { lock } : {};
    },
    'lock.release': async (req) => {
      const released = (await finder.find(req))?.releaseLock(req.force === true);
      return released ? { released } : {};
    },
    canary: async (req) => ({
      canaries: ((await finder.find(req))?.canary(req.service, req.action) ?? []).map(({ note, stepMs, evidence, ...c }) => ({ ...c, ...(note === undefined ? {} : { note }), ...(stepMs === undefined ? {} : { stepMs }), ...(evidence === undefined ? {} : { evidence }) })),
    }),
    'alerts.list': async () => alertsOf(daemon).list(),
    'alerts.silence': async (req) => ({ silence: await alertsOf(daemon).silence(req.rule, req.service, req.forMs) }),
    'alerts.test': async (req) => {
      await alertsOf(daemon).test(req.notifier);
      return { delivered: true as const };
    },
    'certs.list': async () => ({ certs: (await daemon.certs.list()).map((c) => certView(c, now())) }),
    'certs.renew': async (req) => ({ certs: (await daemon.certs.check('renew', req.host)).map((c) => certView(c, now())) }),
    'certs.issue': async (req) =>
      req.dryRun
        ? { plan: (await daemon.certs.plan(req.host)).map(planView) }
        : { certs: (await daemon.certs.check('issue', req.host)).map((c) => certView(c, now())) },
    ...backupHandlers(daemon.backups),
    ...proxyHandlers(finder, proxy),
    'daemon.reload': async () => daemon.reload(),
    'dashboard.token': () => daemon.dashboard.rotateToken(),
    traffic: async (req) => daemon.dashboard.traffic(req),
    usage: async (req) => {
      const engine = await finder.find(req);
      return { instances: engine ? await daemon.usage(engine.deps.project ?? '') : [] };
    },
    stop: async (req) => {
      setImmediate(() => daemon.onStopRequested(req.keepApps));
      return { stopping: true as const };
    },
  };
}

function alertsOf(daemon: Daemon): NonNullable<Daemon['alerts']> {
  if (daemon.alerts) return daemon.alerts;
  throw new SlipwayError('SLW_ALERTS_OFF', 'The daemon evaluates no alerts: its config has no alerts section (or did not load when it started).', {
    hint: 'Add `alerts:` to the daemon\'s slipway.yaml, then `slipway daemon reload` (or deploy from that file).',
  });
}
