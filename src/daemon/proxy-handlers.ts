import type { MaintenanceState } from '../api/proxy-schemas.js';
import type { Engine } from '../engine/engine.js';
import { changeMaintenance, maintenanceOf, storedMaintenance, type MaintenanceSwitch } from '../engine/maintenance.js';
import type { PlainHandlers } from './control-server.js';
import type { ProxySupervisor } from './proxy-supervisor.js';

type ProxyHandlers = Pick<PlainHandlers, 'proxy.status' | 'proxy.restart' | 'maintenance'>;

/** `slipway proxy status|restart` and `slipway maintenance`. */
export function proxyHandlers(engine: Engine, proxy: ProxySupervisor): ProxyHandlers {
  const { deps } = engine;
  return {
    'proxy.status': async () => {
      const live = await proxy.status().catch(() => undefined);
      if (!live) return { up: false };
      return {
        up: true,
        pid: live.pid,
        startedAt: live.startedAt,
        httpPort: live.httpPort,
        ...(live.httpsPort === undefined ? {} : { httpsPort: live.httpsPort }),
        tableVersion: live.tableVersion,
        ...(live.listenError === undefined ? {} : { listenError: live.listenError }),
      };
    },
    'proxy.restart': async () => {
      const result = await proxy.restart();
      const live = await proxy.status().catch(() => undefined);
      return {
        ...result,
        ...(live ? { httpPort: live.httpPort, ...(live.httpsPort === undefined ? {} : { httpsPort: live.httpsPort }) } : {}),
      };
    },
    maintenance: async (req) => {
      if (req.action !== 'status') {
        // Journaled first; the command returns once the proxy acknowledged the table that carries it.
        changeMaintenance(deps, {
          action: req.action,
          ...(req.service === undefined ? {} : { service: req.service }),
          ...(req.message === undefined ? {} : { message: req.message }),
          ...(req.allow === undefined ? {} : { allow: req.allow }),
        });
        await engine.ctx.publisher.publish(`maintenance ${req.action}${req.service ? ` ${req.service}` : ''}`);
      }
      return maintenanceView(engine);
    },
  };
}

function maintenanceView(engine: Engine): MaintenanceState {
  const record = storedMaintenance(engine.deps);
  const entry = (service: string | undefined, s: MaintenanceSwitch): MaintenanceState['entries'][number] => ({
    ...(service === undefined ? {} : { service }),
    ...(s.message === undefined ? {} : { message: s.message }),
    allow: [...s.allow],
    since: s.since,
  });
  return {
    entries: [...(record.all ? [entry(undefined, record.all)] : []), ...Object.entries(record.services).map(([name, s]) => entry(name, s))],
    services: engine.deps.store
      .services()
      .map((s) => s.name)
      .filter((name) => maintenanceOf(record, name) !== undefined),
  };
}
