/**
 * Wires the alert evaluator to the daemon's store, the proxy and the disk (the collector's sources).
 * The evaluator, the notifiers and the metrics collector load only when the config has `alerts:`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from './config-checker.js';
import { toSlipwayError } from '../errors.js';
import { diskSpace } from '../lib/disk-space.js';
import type { AlertService } from '../observability/alerting/alert-service.js';
import type { AlertView, Notifier } from '../observability/alerting/notification.js';
import type { EventInput } from '../api/event-schemas.js';
import type { NotifierSpec } from '../config/alerts-model.js';
import type { SecretSource } from '../secrets/injecting-driver.js';
import type { Redactor } from '../secrets/redactor.js';
import type { MetricsSources } from '../observability/collector.js';
import type { SqliteStore } from '../store/sqlite-store.js';
import type { MetricsStore } from '../observability/store-metrics.js';
import type { ProxyStatus } from '../proxy/protocol.js';
import { VERSION } from '../version.js';
import { silentLogger, type Logger } from '../lib/logger.js';

export interface AlertWiring {
  readonly stateDir: string;
  readonly configFile: string | undefined;
  readonly env: string | undefined;
  /** The store as the metrics see it: the daemon's own project (the one whose config started it). */
  readonly store: MetricsStore & Pick<SqliteStore, 'probeWrite'>;
  /** The proxy's status as that project sees it (its services under their own names). */
  readonly proxyStatus: () => Promise<ProxyStatus>;
  readonly warn: (message: string) => void;
  /** Certificates per route host (expiry, failed attempts) for the certificate rules. */
  readonly certificates?: MetricsSources['certificates'];
  /** Backup freshness, runs and drills for the backup rules. */
  readonly backups?: MetricsSources['backups'];
  /** Times the daemon restarted a dead proxy. */
  readonly proxyRestarts?: () => number;
  readonly journalWriteFailures?: () => number;
  /** CPU and memory of the daemon's own project's live instances. */
  readonly usage?: MetricsSources['usage'];
  /** The alerting component's log (evaluation errors, notifications, deliveries). */
  readonly log?: Logger;
  /** Hands a notifier secret to the daemon's redactor (logs, API, journal). */
  readonly addSecret?: (value: string) => void;
  /**
   * The secret store and the daemon's redactor: notifier settings written as ${secret:NAME} are
   * read from the store when the notifier is built, every value going to the redactor first.
   */
  readonly secrets?: { readonly source: SecretSource; readonly redactor: Redactor };
  /** Alerts as they are sent, for the daemon's event stream. */
  readonly events?: (event: EventInput) => void;
}

/**
 * Starts the evaluator when the daemon's config has an `alerts:` section (read at daemon start,
 * like admin:). A config that does not load leaves alerts off with a warning.
 */
export async function startAlerts(o: AlertWiring): Promise<AlertService | undefined> {
  if (!o.configFile || !existsSync(o.configFile)) return undefined;
  let spec;
  try {
    spec = (await loadConfig({ file: o.configFile, ...(o.env ? { env: o.env } : {}) })).alerts;
  } catch (err) {
    o.warn(`alerts off: ${toSlipwayError(err).message}`);
    return undefined;
  }
  if (!spec) return undefined;
  const [{ AlertService }, { redactor, secretValues }, { ALERT_STATE_FILE, loadAlertState }, { collectMetrics }, { GLOBAL_GROUP }] = await Promise.all([
    import('../observability/alerting/alert-service.js'),
    import('../observability/alerting/notifier-factory.js'),
    import('../observability/alerting/state-file.js'),
    import('../observability/collector.js'),
    import('../observability/alerting/evaluator.js'),
  ]);
  const stateFile = join(o.stateDir, ALERT_STATE_FILE);
  const secrets = secretValues(spec.notify);
  for (const value of secrets) o.addSecret?.(value);
  const literal = redactor(secrets);
  // Values read from the secret store are known to the daemon's redactor only (they may be read later).
  const redact = o.secrets ? (text: string): string => o.secrets!.redactor.redact(literal(text)) : literal;
  const notifiers = await Promise.all(spec.notify.map((n) => notifierOf(n, o)));
  const log = o.log ?? silentLogger;
  const service = new AlertService({
    spec,
    sources: {
      collect: () =>
        collectMetrics({ proxyStatus: () => o.proxyStatus(), store: o.store, disk: () => diskSpace(o.stateDir), version: VERSION, ...(o.certificates ? { certificates: o.certificates } : {}), ...(o.backups ? { backups: o.backups } : {}), ...(o.proxyRestarts ? { proxyRestarts: o.proxyRestarts } : {}), ...(o.journalWriteFailures ? { journalWriteFailures: o.journalWriteFailures } : {}), ...(o.usage ? { usage: o.usage } : {}) }),
      openDeployments: () => new Map(o.store.deployments({ open: true }).map((d) => [d.service, d.id])),
      lastDeployment: (name) => o.store.deployments({ service: name, limit: 1 })[0]?.id,
    },
    notifiers,
    stateFile,
    restored: await loadAlertState(stateFile),
    redact,
    log: (event) => {
      const { alerts: what, ...fields } = event;
      // Redacted here too: the logger's hook knows the notifier secrets only through addSecret.
      (event['kind'] === 'failed' || what === 'evaluation failed' ? log.warn : log.info)(String(what ?? 'alerts'), JSON.parse(redact(JSON.stringify(fields))) as Record<string, unknown>);
    },
    ...(o.events ? { onAlert: (a: AlertView) => o.events?.({ kind: 'alert', rule: a.rule, ...(a.service !== GLOBAL_GROUP ? { service: a.service } : {}), state: a.status, detail: a.summary }) } : {}),
    ...(process.env['SLIPWAY_ALERT_RETRY_MS'] ? { retry: { attempts: 3, firstDelayMs: Number(process.env['SLIPWAY_ALERT_RETRY_MS']), maxDelayMs: 5000, timeoutMs: 5000 } } : {}),
  });
  service.start();
  return service;
}

/**
 * A notifier whose settings hold ${secret:NAME} references is built from the store's values,
 * read again for every delivery (a rotated value is used at once): a secret not set yet (or
 * unfit) is a warning at daemon start, and that notifier's deliveries (and `slipway alerts
 * test`) fail with the reason until the value is set.
 */
async function notifierOf(spec: NotifierSpec, o: AlertWiring): Promise<Notifier> {
  const [{ createNotifier, DeferredNotifier, secretValues }, { notifierHasRefs, resolveNotifierSecrets }] = await Promise.all([
    import('../observability/alerting/notifier-factory.js'),
    import('../secrets/notifier-secrets.js'),
  ]);
  if (!notifierHasRefs(spec)) return createNotifier(spec);
  const deferred = new DeferredNotifier(spec.name, spec.type, async () => {
    if (!o.secrets) throw new Error(`notifier "${spec.name}" uses \${secret:...}, which only the daemon can read`);
    const resolved = await resolveNotifierSecrets(spec, o.secrets.source, o.secrets.redactor);
    // Whole Slack URLs, SMTP passwords inside a URL: hidden like the literal ones.
    for (const value of secretValues([resolved])) o.addSecret?.(value);
    return resolved;
  });
  await deferred.ready().catch((err: unknown) => {
    const e = toSlipwayError(err);
    o.warn(`alerts: notifier ${spec.name} sends nothing yet: ${e.message} [${e.code}]`);
  });
  return deferred;
}
