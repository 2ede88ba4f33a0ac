import type { PlainHandlers } from './control-server.js';
import type { ProjectFinder } from './handlers.js';
import type { ProxySupervisor } from './proxy-supervisor.js';

type ProxyHandlers = Pick<PlainHandlers, 'proxy.status' | 'proxy.restart' | 'maintenance'>;

/** `slipway proxy status|restart` and `slipway maintenance`. */
export function proxyHandlers(find: ProjectFinder, proxy: ProxySupervisor): ProxyHandlers {
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
    maintenance: async (req) =>
      (await find.must(req)).maintenance(
        req.action === 'status'
          ? undefined
          : {
              action: req.action,
              ...(req.service === undefined ? {} : { service: req.service }),
              ...(req.message === undefined ? {} : { message: req.message }),
              ...(req.allow === undefined ? {} : { allow: req.allow }),
            },
      ),
  };
}
