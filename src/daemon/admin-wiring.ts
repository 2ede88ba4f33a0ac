/**
 * Wires the admin HTTP listener (metrics, health) to the daemon's store and the proxy. The
 * listener and the metrics code (prom-client) load only when the config has `admin:`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from './config-checker.js';
import { toSlipwayError } from '../errors.js';
import type { AdminSpec } from '../config/model.js';
import { diskSpace } from '../lib/disk-space.js';
import { formatListenAddress } from '../lib/listen-address.js';
import type { AdminServer } from '../observability/admin-server.js';
import type { MetricsSources } from '../observability/collector.js';
import type { AlertingMetrics } from '../observability/alerting-metrics.js';
import { PROXY_DIR, PROXY_SOCKET } from '../proxy/paths.js';
import type { SqliteStore } from '../store/sqlite-store.js';
import type { MetricsStore } from '../observability/store-metrics.js';
import type { ProjectMetricsView } from '../observability/app-targets.js';
import type { ProxyStatus } from '../proxy/protocol.js';
import { VERSION } from '../version.js';

export interface AdminWiring {
  readonly stateDir: string;
  readonly configFile: string | undefined;
  readonly env: string | undefined;
  /** The store as the metrics see it: the daemon's own project (the one whose config started it). */
  readonly store: MetricsStore & Pick<SqliteStore, 'probeWrite'>;
  /** The proxy's status as that project sees it (its services under their own names). */
  readonly proxyStatus: () => Promise<ProxyStatus>;
  readonly warn?: (message: string) => void;
  /** The alert evaluator's state for /metrics, when alerts are on. */
  readonly alerting?: () => AlertingMetrics;
  /** Live certificates' expiry per host (slipway_certificate_expiry_seconds). */
  readonly certificates?: MetricsSources['certificates'];
  /** Backup freshness, runs and drills (slipway_backup_*). */
  readonly backups?: MetricsSources['backups'];
  /** Times the daemon restarted a dead proxy (slipway_proxy_restarts_total). */
  readonly proxyRestarts?: () => number;
  readonly journalWriteFailures?: () => number;
  /** CPU and memory of the daemon's own project's live instances (slipway_instance_*). */
  readonly usage?: MetricsSources['usage'];
  /** Every project on the host, for the apps' metrics endpoints (GET /discovery/targets). */
  readonly projects: () => readonly ProjectMetricsView[];
}

/** A scrape or readiness probe waits at most this long for the proxy. */
const PROXY_DEADLINE_MS = 2000;

export interface RunningAdmin {
  readonly server: AdminServer;
  /** "host:port" actually bound. */
  readonly address: string;
}

/**
 * Starts the listener when the daemon's config has an `admin:` section (read at daemon start;
 * a changed section is applied by Daemon.reload: `slipway daemon reload` or a deploy). Undefined when it has none.
 */
export async function startAdmin(o: AdminWiring): Promise<RunningAdmin | undefined> {
  const spec = await adminSpec(o);
  if (!spec) return undefined;
  const [{ AdminServer }, { collectMetrics }, { checkReadiness, DEFAULT_DISK_FLOOR_BYTES }, { ProxyClient }, { appTargetGroups }] = await Promise.all([
    import('../observability/admin-server.js'),
    import('../observability/collector.js'),
    import('../observability/readiness.js'),
    import('../proxy/client.js'),
    import('../observability/app-targets.js'),
  ]);
  const proxy = new ProxyClient(join(o.stateDir, PROXY_DIR, PROXY_SOCKET), { timeoutMs: PROXY_DEADLINE_MS });
  const disk = () => diskSpace(o.stateDir);
  const server = new AdminServer({
    metrics: () => collectMetrics({ proxyStatus: () => o.proxyStatus(), store: o.store, disk, version: VERSION, ...(o.alerting ? { alerting: o.alerting } : {}), ...(o.certificates ? { certificates: o.certificates } : {}), ...(o.backups ? { backups: o.backups } : {}), ...(o.proxyRestarts ? { proxyRestarts: o.proxyRestarts } : {}), ...(o.journalWriteFailures ? { journalWriteFailures: o.journalWriteFailures } : {}), ...(o.usage ? { usage: o.usage } : {}) }),
    readiness: () =>
      checkReadiness({ proxy: () => proxy.status(), journal: () => o.store.probeWrite(), disk, diskFloorBytes: DEFAULT_DISK_FLOOR_BYTES }),
    targets: () => appTargetGroups(o.projects()),
  }, { allow: spec.allow });
  const bound = await server.listen(spec.listen);
  return { server, address: formatListenAddress(bound) };
}

/**
 * The admin section of the daemon's config. A config that does not load leaves admin off
 * (with a warning) rather than keeping the daemon down: the daemon must always be able to
 * come back and supervise the apps that run.
 */
async function adminSpec(o: AdminWiring): Promise<AdminSpec | undefined> {
  if (!o.configFile || !existsSync(o.configFile)) return undefined;
  try {
    const config = await loadConfig({ file: o.configFile, ...(o.env ? { env: o.env } : {}) });
    return config.admin;
  } catch (err) {
    o.warn?.(`admin listener off: ${toSlipwayError(err).message}`);
    return undefined;
  }
}
