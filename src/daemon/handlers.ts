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

/** Control API handlers: thin translations between API requests and the engine. */
export function createHandlers(daemon: Daemon, engine: Engine, proxy: ProxySupervisor): Handlers {
  const now = (): number => Date.now();
  return {
    status: async () => {
      let live: ProxyStatus | undefined;
      try {
        live = await proxy.status();
      } catch {
        live = undefined;
      }
      const lock = engine.lock();
      return {
        daemon: { pid: process.pid, startedAt: daemon.startedAt.toISOString(), stateDir: daemon.options.stateDir, version: VERSION },
        proxy: live ? { up: true, pid: live.pid, httpPort: live.httpPort, tableVersion: live.tableVersion } : { up: false },
        ...(lock ? { lock } : {}),
        services: engine.services(live),
        ...(daemon.alerts ? { alerts: { firing: daemon.alerts.firing().length, notifiers: daemon.alerts.notifierHealth() } } : {}),
      };
    },
    deploy: async (req, emit, signal) => {
      // The deploying client going away (Ctrl-C) cancels the deployment, which then reverts.
      const { results, error, config } = await engine.deploy(req, req.service, emit, req.strategy, signal);
      // The config this deploy loaded (once per request); pruning old versions can wait for the next deploy.
      if (!error && config) await daemon.secretsDeployed(config).catch(() => undefined);
      emit(error ? { type: 'error', error: error.toJSON(), results } : { type: 'result', results });
    },
    rollback: async (req, emit) => {
      const { results, error } = await engine.rollback(req.service, emit);
      // --with-data: the pre-deploy snapshot of the release rolled back from goes back in place.
      const dataError = req.withData && !error ? await daemon.backups.restoreAfterRollback(req, results, emit) : undefined;
      const failed = error ?? dataError;
      emit(failed ? { type: 'error', error: failed.toJSON(), results } : { type: 'result', results });
    },
    ...eventHandlers(engine, daemon.events),
    'deploy.cancel': async (req) => ({ cancelled: engine.cancel(req.service) }),
    history: async (req) => ({ deployments: engine.history(req.service, req.limit ?? 20) }),
    logs: async (req) => ({ instances: await engine.logs(req.service, req.lines ?? 50) }),
    plan: async (req) => ({ services: engine.plan(req.service) }),
    'lock.status': async () => {
      const lock = engine.lock();
      return lock ? { lock } : {};
    },
    'lock.release': async (req) => {
      const released = engine.releaseLock(req.force === true);
      return released ? { released } : {};
    },
    canary: async (req) => ({
      canaries: engine.canary(req.service, req.action).map((c) => ({ ...c, ...(c.note === undefined ? {} : { note: c.note }) })),
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
    ...proxyHandlers(engine, proxy),
    stop: async (req) => {
      setImmediate(() => daemon.onStopRequested(req.keepApps));
      return { stopping: true as const };
    },
  };
}

function alertsOf(daemon: Daemon): NonNullable<Daemon['alerts']> {
  if (daemon.alerts) return daemon.alerts;
  throw new SlipwayError('SLW_ALERTS_OFF', 'The daemon evaluates no alerts: its config has no alerts section (or did not load when it started).', {
    hint: 'Add `alerts:` to slipway.yaml, then restart the daemon: `slipway stop --keep-apps` and run any command.',
  });
}
