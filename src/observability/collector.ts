/** Everything /metrics shows, read at scrape time from the proxy's status and the store. */
import type { DiskSpace } from '../lib/disk-space.js';
import type { ProxyStatus } from '../proxy/protocol.js';
import { METRIC_DEFS, METRICS } from './metric-catalog.js';
import { FamilyBuilder, type MetricFamily } from './metric-family.js';
import { addHealthySamples, addProxySamples } from './proxy-metrics.js';
import { addStoreSamples, type MetricsStore } from './store-metrics.js';
import { addAlertingSamples, type AlertingMetrics } from './alerting-metrics.js';
import { addBackupSamples, type BackupMetrics } from './backup-metrics.js';

export interface MetricsSources {
  /** Rejects when the proxy does not answer (then slipway_proxy_up is 0). */
  readonly proxyStatus: () => Promise<ProxyStatus>;
  readonly store: MetricsStore;
  readonly disk: () => Promise<DiskSpace>;
  readonly version: string;
  /** The alert evaluator's state, when the daemon evaluates alerts. */
  readonly alerting?: () => AlertingMetrics;
  /** Backup freshness, runs and drills, when the daemon's config has backups. */
  readonly backups?: () => BackupMetrics;
  /** Times the daemon restarted a dead proxy (slipway_proxy_restarts_total). */
  readonly proxyRestarts?: () => number;
  /** Journal writes that failed (a full disk) since the daemon started (slipway_journal_write_failures_total). */
  readonly journalWriteFailures?: () => number;
  /** CPU and memory of the live instances, where their driver reports them. */
  readonly usage?: () => Promise<readonly UsageSample[]>;
  /** The live certificate's expiry per route host with TLS on. */
  readonly certificates?: () => Promise<ReadonlyArray<{ readonly host: string; readonly notAfter?: string; readonly failures?: number }>>;
}

export interface UsageSample {
  readonly service: string;
  readonly release: string;
  readonly instance: string;
  readonly cpuSeconds: number;
  readonly memoryBytes: number;
}

export async function collectMetrics(sources: MetricsSources): Promise<MetricFamily[]> {
  const [status, disk, usage] = await Promise.all([
    sources.proxyStatus().catch(() => undefined),
    sources.disk().catch(() => undefined),
    sources.usage?.().catch(() => []) ?? [],
  ]);
  const out = new FamilyBuilder(METRIC_DEFS);
  out.add(METRICS.buildInfo, { version: sources.version }, 1);
  addProxySamples(out, status);
  const services = addStoreSamples(out, sources.store);
  addHealthySamples(out, status, services);
  if (disk) {
    out.add(METRICS.diskFree, {}, disk.freeBytes);
    out.add(METRICS.diskSize, {}, disk.sizeBytes);
  }
  for (const u of usage) {
    const labels = { service: u.service, release: u.release, instance_id: u.instance };
    out.add(METRICS.instanceCpu, labels, u.cpuSeconds);
    out.add(METRICS.instanceMemory, labels, u.memoryBytes);
  }
  if (sources.proxyRestarts) out.add(METRICS.proxyRestarts, {}, sources.proxyRestarts());
  if (sources.journalWriteFailures) out.add(METRICS.journalWriteFailures, {}, sources.journalWriteFailures());
  if (sources.alerting) addAlertingSamples(out, sources.alerting());
  if (sources.backups) addBackupSamples(out, sources.backups());
  for (const cert of (await sources.certificates?.().catch(() => [])) ?? []) {
    if (cert.notAfter !== undefined) out.add(METRICS.certificateExpiry, { host: cert.host }, Date.parse(cert.notAfter) / 1000);
    if (cert.failures !== undefined) out.add(METRICS.certificateFailures, { host: cert.host }, cert.failures);
  }
  return out.families();
}
