// The built-in certificate rules through the daemon's evaluator, fed by a real cert manager:
// a certificate from files whose notAfter is 5 days away fires "certificate-expiring" once its
// for-duration has passed, a route whose certificate cannot be issued fires
// "certificate-renewal-failing", both reach a real webhook receiver naming the host, and both
// resolve when the certificate is replaced and the failing route removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertManager } from '../../src/certs/cert-manager.js';
import type { AlertRuleConfig, AlertsSpec } from '../../src/config/alerts-model.js';
import type { Config, RouteTls } from '../../src/config/model.js';
import { diskSpace } from '../../src/lib/disk-space.js';
import { AlertService } from '../../src/observability/alerting/alert-service.js';
import { WebhookNotifier } from '../../src/observability/alerting/http-notifiers.js';
import { collectMetrics } from '../../src/observability/collector.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { WebhookReceiver } from '../helpers/alert-receivers.js';
import { leafFor, testCa } from '../helpers/cert-fixtures.js';
import { waitFor } from '../helpers/e2e-project.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

function configWith(routes: Array<{ host: string; tls: RouteTls }>): Config {
  // Only what the cert manager reads of a Config.
  return { proxy: { http: 0, host: '127.0.0.1', https: 0 }, services: { web: { routes: routes.map((r) => ({ ...r, path: '/', redirectHttp: true })) } } } as unknown as Config;
}

const off = (name: string): AlertRuleConfig => ({
  name, enabled: false, service: undefined, signal: undefined, op: undefined, threshold: undefined, forMs: undefined, severity: undefined, summary: undefined, hint: undefined,
});

test('certificate-expiring and certificate-renewal-failing: pending, fired after 1h naming the host, then resolved', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-certrules-'));
  const certs = new CertManager({ stateDir: dir, publish: async () => undefined });
  const store = new SqliteStore(join(dir, 'state.db'), { redact: (t) => t });
  const receiver = new WebhookReceiver();
  let alerts: AlertService | undefined;
  try {
    const ca = await testCa();
    const certFile = join(dir, 'near.pem');
    const keyFile = join(dir, 'near.key');
    const near = await leafFor(ca, ['near.example.com'], { notAfter: new Date(Date.now() + 5 * DAY) });
    await writeFile(certFile, near.fullchain);
    await writeFile(keyFile, near.privkey);
    const files: RouteTls = { kind: 'files', cert: certFile, key: keyFile };
    await certs.start();
    // public.example.com cannot get a certificate from the local CA (not a private name): a failure is recorded.
    await certs.configure(configWith([{ host: 'near.example.com', tls: files }, { host: 'app.localhost', tls: { kind: 'internal' } }, { host: 'public.example.com', tls: { kind: 'internal' } }]));
    await certs.check('background');
    const states = await certs.list();
    assert.match(states.find((s) => s.entry.hosts[0] === 'public.example.com')?.lastError ?? '', /SLW_CERT_NOT_PRIVATE/);

    const url = await receiver.listen();
    const spec: AlertsSpec = {
      intervalMs: 60_000,
      windowMs: 300_000,
      repeatMs: 4 * HOUR,
      notify: [{ type: 'webhook', name: 'hook', url, secret: undefined }],
      rules: [off('proxy-down'), off('disk-nearly-full')],
    };
    alerts = new AlertService({
      spec,
      sources: {
        collect: () =>
          collectMetrics({ proxyStatus: () => Promise.reject(new Error('no proxy in this test')), store, disk: () => diskSpace(dir), version: 'test', certificates: () => certs.expiries() }),
        openDeployments: () => new Map(),
        lastDeployment: () => undefined,
      },
      notifiers: [new WebhookNotifier('hook', url, undefined)],
      stateFile: join(dir, 'alerts.json'),
      restored: undefined,
      redact: (t) => t,
      log: () => undefined,
    });

    const t0 = Date.now();
    await alerts.evaluateOnce(t0);
    const pending = alerts.list(t0).alerts.map((a) => [a.rule, a.service, a.state]);
    assert.deepEqual(pending.sort(), [
      ['certificate-expiring', 'slipway', 'pending'],
      ['certificate-renewal-failing', 'slipway', 'pending'],
    ]);
    const expiring = alerts.list(t0).alerts.find((a) => a.rule === 'certificate-expiring');
    assert.ok(expiring && expiring.value > 4.9 * 86_400 && expiring.value < 5 * 86_400, `seconds left: ${expiring?.value}`);
    await alerts.evaluateOnce(t0 + 30 * 60_000);
    assert.equal(receiver.received.length, 0, 'nothing sent before the for-duration (1h)');

    await alerts.evaluateOnce(t0 + HOUR);
    const fired = await waitFor('the certificate alerts at the webhook', () => receiver.received[0]);
    assert.equal(fired.json.group, 'slipway');
    assert.equal(fired.json.status, 'firing');
    const byRule = new Map<string, { severity: string; summary: string; hint: string }>(fired.json.alerts.map((a: { rule: string }) => [a.rule, a]));
    assert.deepEqual([...byRule.keys()].sort(), ['certificate-expiring', 'certificate-renewal-failing']);
    assert.match(byRule.get('certificate-expiring')?.summary ?? '', /^The TLS certificate of near\.example\.com expires in 5 days \(under 14 days\)$/);
    assert.equal(byRule.get('certificate-expiring')?.severity, 'warning');
    assert.equal(byRule.get('certificate-renewal-failing')?.summary, 'public.example.com: obtaining or renewing the TLS certificate keeps failing (1 failed attempts in a row)');
    assert.match(byRule.get('certificate-renewal-failing')?.hint ?? '', /`slipway certs renew public\.example\.com` tries again now/);

    // Fixed: a fresh certificate in the files, the route that cannot be served removed.
    const fresh = await leafFor(ca, ['near.example.com'], { notAfter: new Date(Date.now() + 60 * DAY) });
    await writeFile(certFile, fresh.fullchain);
    await writeFile(keyFile, fresh.privkey);
    await certs.configure(configWith([{ host: 'near.example.com', tls: files }, { host: 'app.localhost', tls: { kind: 'internal' } }]));
    await certs.check('background');
    await alerts.evaluateOnce(t0 + 2 * HOUR);
    const resolved = await waitFor('the resolved notification', () => receiver.received[1]);
    assert.equal(resolved.json.status, 'resolved');
    assert.deepEqual(resolved.json.alerts.map((a: { rule: string; status: string }) => `${a.rule}:${a.status}`).sort(), [
      'certificate-expiring:resolved',
      'certificate-renewal-failing:resolved',
    ]);
    assert.deepEqual(alerts.list().alerts, []);
  } finally {
    await alerts?.close();
    certs.close();
    store.close();
    await receiver.close();
    await rm(dir, { recursive: true, force: true });
  }
});
