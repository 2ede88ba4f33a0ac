// Delivery to real receivers: the Slack-compatible payload (text and Block Kit blocks) at an
// HTTP receiver, a real Alertmanager (v2 API) that holds the alert with its labels and ends it
// on "resolved", and retries with backoff against a receiver that fails the first attempts,
// visible in the notifier's health and its metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dispatcher, type DeliveryEvent, type RetryPolicy } from '../../src/observability/alerting/dispatcher.js';
import { AlertmanagerNotifier, SlackNotifier, WebhookNotifier } from '../../src/observability/alerting/http-notifiers.js';
import type { AlertView, Notification, Notifier } from '../../src/observability/alerting/notification.js';
import { addAlertingSamples } from '../../src/observability/alerting-metrics.js';
import { METRIC_DEFS } from '../../src/observability/metric-catalog.js';
import { FamilyBuilder } from '../../src/observability/metric-family.js';
import { renderExposition } from '../../src/observability/prom-adapter.js';
import { WebhookReceiver } from '../helpers/alert-receivers.js';
import { startAlertmanager } from '../helpers/alertmanager.js';
import { waitFor } from '../helpers/e2e-project.js';

const FAST: RetryPolicy = { attempts: 5, firstDelayMs: 150, maxDelayMs: 2000, timeoutMs: 3000 };

function alert(o: Partial<AlertView> = {}): AlertView {
  return {
    rule: 'error-rate-high',
    service: 'web',
    status: 'firing',
    severity: 'critical',
    summary: 'web: 12% of responses are 5xx',
    hint: 'Compare releases; `slipway rollback web` goes back.',
    value: 0.12,
    startsAt: new Date(Date.now() - 60_000).toISOString(),
    ...o,
  };
}

function notification(alerts: AlertView[], status: Notification['status'] = 'firing', group = 'web'): Notification {
  return { version: 1, group, status, alerts, sentAt: new Date().toISOString() };
}

function dispatcher(notifiers: Notifier[], retry = FAST, events: DeliveryEvent[] = []): Dispatcher {
  return new Dispatcher(notifiers, { retry, redact: (t) => t, onEvent: (e) => events.push(e) });
}

async function metricsText(d: Dispatcher): Promise<string> {
  const out = new FamilyBuilder(METRIC_DEFS);
  addAlertingSamples(out, { firing: [], notifiers: d.health() });
  return renderExposition(out.families());
}

test('Slack: text plus Block Kit blocks (header, one section per alert, escaped mrkdwn)', async () => {
  const receiver = new WebhookReceiver();
  try {
    const url = await receiver.listen();
    const d = dispatcher([new SlackNotifier('slack', url)]);
    const firing = alert({ deployment: 'dep-1', summary: 'web: p99 > 1s & <rising>' });
    await d.deliver(d.notifier('slack')!, notification([firing, alert({ rule: 'instance-down', severity: 'warning', status: 'resolved', endsAt: new Date().toISOString() })]));
    const body = receiver.received[0]?.json;
    assert.equal(receiver.received[0]?.headers['content-type'], 'application/json');
    assert.deepEqual(Object.keys(body).sort(), ['blocks', 'text']);
    assert.match(body.text, /^\[FIRING\] web\n- critical error-rate-high: web: p99 > 1s & <rising> \[deployment dep-1\]/);
    assert.deepEqual(body.blocks[0], { type: 'header', text: { type: 'plain_text', text: '[FIRING] web' } });
    assert.equal(body.blocks.length, 3);
    const [first, second] = [body.blocks[1], body.blocks[2]];
    assert.equal(first.type, 'section');
    assert.equal(first.text.type, 'mrkdwn');
    assert.equal(first.text.text, '*error-rate-high* (critical) web\nweb: p99 &gt; 1s &amp; &lt;rising&gt;\n_hint:_ Compare releases; `slipway rollback web` goes back.\ndeployment `dep-1`');
    assert.match(second.text.text, /^\*RESOLVED instance-down\* \(warning\) web\n/);

    // Slack takes at most 50 blocks: the rest is counted in a context line.
    const many = Array.from({ length: 60 }, (_, i) => alert({ rule: `rule-${i}` }));
    await d.deliver(d.notifier('slack')!, notification(many));
    const big = receiver.received[1]?.json;
    assert.equal(big.blocks.length, 50);
    assert.equal(big.blocks.at(-1).type, 'context');
    assert.match(big.blocks.at(-1).elements[0].text, /and 12 more/);
    assert.equal(big.text.split('\n- ').length, 61, 'the text fallback lists every alert');
    await d.close();
  } finally {
    await receiver.close();
  }
});

test('Alertmanager v2: a real Alertmanager holds the alert with its labels; "resolved" ends it', { timeout: 60_000 }, async () => {
  const am = await startAlertmanager();
  try {
    const d = dispatcher([new AlertmanagerNotifier('am', am.url)]);
    const firing = alert({ deployment: 'dep-7' });
    const global = alert({ rule: 'disk-nearly-full', service: 'slipway', severity: 'warning', summary: 'Less than 10% free' });
    await d.deliver(d.notifier('am')!, notification([firing]));
    await d.deliver(d.notifier('am')!, notification([global], 'firing', 'slipway'));
    const held = await waitFor('two alerts in Alertmanager', async () => {
      const list = await am.alerts();
      return list.length === 2 ? list : undefined;
    });
    const web = held.find((a) => a.labels['service'] === 'web');
    assert.ok(web, JSON.stringify(held));
    assert.deepEqual(web.labels, { alertname: 'SlipwayErrorRateHigh', service: 'web', severity: 'critical', slipway_rule: 'error-rate-high' });
    assert.deepEqual(web.annotations, { summary: firing.summary, hint: firing.hint, deployment: 'dep-7' });
    assert.equal(Date.parse(web.startsAt), Date.parse(firing.startsAt));
    assert.equal(web.status.state, 'active');
    assert.ok(Date.parse(web.endsAt) > Date.now(), 'a firing alert stays open (Alertmanager sets endsAt ahead by its resolve timeout)');
    const disk = held.find((a) => a.labels['service'] === 'slipway');
    assert.equal(disk?.labels['alertname'], 'SlipwayDiskNearlyFull');

    // Resolved: the same labels with endsAt now; Alertmanager stops listing it as active.
    await d.deliver(d.notifier('am')!, notification([{ ...firing, status: 'resolved', endsAt: new Date().toISOString() }], 'resolved'));
    const left = await waitFor('the web alert ended', async () => {
      const list = await am.alerts();
      return list.some((a) => a.labels['service'] === 'web') ? undefined : list;
    }, 10_000);
    assert.deepEqual(left.map((a) => a.labels['alertname']), ['SlipwayDiskNearlyFull'], 'only the resolved alert ended');
    assert.equal(d.health()[0]?.sent, 3);
    await d.close();
  } finally {
    await am.stop();
  }
});

test('retries with exponential backoff until the receiver accepts; health and metrics show it', { timeout: 30_000 }, async () => {
  const receiver = new WebhookReceiver({ failFirst: 3, failStatus: 503 });
  try {
    const url = await receiver.listen();
    const events: DeliveryEvent[] = [];
    const d = dispatcher([new WebhookNotifier('hook', url, undefined)], FAST, events);
    const hook = d.notifier('hook')!;
    const during: ReturnType<Dispatcher['health']>[number][] = [];
    const delivered = d.deliver(hook, notification([alert()]));
    // While it retries: retrying, the failures so far, the last error and when the next attempt is due.
    await waitFor('the second attempt', () => receiver.failedAt.length >= 2, 10_000);
    during.push(d.health()[0]!);
    await delivered;

    assert.equal(receiver.failedAt.length, 3);
    assert.equal(receiver.received.length, 1, 'delivered once, on the fourth attempt');
    const arrivals = [...receiver.failedAt, ...receiver.receivedAt];
    const gaps = arrivals.slice(1).map((t, i) => t - (arrivals[i] ?? 0));
    // 150, 300, 600 ms between attempts (timers fire late, never early).
    gaps.forEach((gap, i) => assert.ok(gap >= FAST.firstDelayMs * 2 ** i - 20, `gap ${i} was ${gap} ms: ${gaps.join(', ')}`));
    assert.ok((gaps[2] ?? 0) > (gaps[0] ?? 0), `the backoff grows: ${gaps.join(', ')}`);
    assert.deepEqual(events.map((e) => e.kind), ['retry', 'retry', 'retry', 'sent']);
    assert.deepEqual(events.flatMap((e) => (e.kind === 'retry' ? [e.delayMs] : [])), [150, 300, 600]);

    const mid = during[0]!;
    assert.equal(mid.state, 'retrying');
    assert.ok(mid.consecutiveFailures >= 1, JSON.stringify(mid));
    assert.equal(mid.lastError, 'HTTP 503 from the receiver');
    assert.ok(mid.nextRetryAt && mid.lastErrorAt, JSON.stringify(mid));

    const after = d.health()[0]!;
    assert.equal(after.state, 'ok');
    assert.deepEqual([after.sent, after.failed, after.retries, after.consecutiveFailures], [1, 0, 3, 0]);
    assert.equal(after.nextRetryAt, undefined);
    const metrics = await metricsText(d);
    assert.match(metrics, /slipway_alert_notifier_up\{notifier="hook",type="webhook"\} 1/);
    assert.match(metrics, /slipway_alert_notification_retries_total\{notifier="hook"\} 3/);
    assert.match(metrics, /slipway_alert_notifier_consecutive_failures\{notifier="hook"\} 0/);
    assert.match(metrics, /slipway_alert_notifications_total\{notifier="hook",outcome="sent"\} 1/);
    await d.close();
  } finally {
    await receiver.close();
  }
});

test('a notifier that stays down is given up after its attempts and shows as failing; the others still deliver', { timeout: 30_000 }, async () => {
  const down = new WebhookReceiver({ failFirst: 1000 });
  const up = new WebhookReceiver();
  try {
    const events: DeliveryEvent[] = [];
    const retry: RetryPolicy = { attempts: 3, firstDelayMs: 100, maxDelayMs: 150, timeoutMs: 2000 };
    const d = dispatcher([new WebhookNotifier('down', await down.listen(), undefined), new WebhookNotifier('up', await up.listen(), undefined)], retry, events);
    d.dispatch(notification([alert()]));
    await waitFor('the healthy notifier delivered', () => up.received.length === 1, 5000);
    await waitFor('the failing notifier gave up', () => events.some((e) => e.kind === 'failed'), 10_000);
    assert.equal(down.failedAt.length, 3, 'three attempts');
    const gaps = down.failedAt.slice(1).map((t, i) => t - (down.failedAt[i] ?? 0));
    assert.ok((gaps[0] ?? 0) >= 80 && (gaps[1] ?? 0) >= 130, `capped backoff 100, 150: ${gaps.join(', ')}`);
    const health = d.health().find((h) => h.name === 'down')!;
    assert.equal(health.state, 'failing');
    assert.deepEqual([health.sent, health.failed, health.retries, health.consecutiveFailures], [0, 1, 2, 3]);
    assert.equal(health.nextRetryAt, undefined, 'no attempt is scheduled any more');
    assert.equal(health.lastError, 'HTTP 500 from the receiver');
    const metrics = await metricsText(d);
    assert.match(metrics, /slipway_alert_notifier_up\{notifier="down",type="webhook"\} 0/);
    assert.match(metrics, /slipway_alert_notifier_up\{notifier="up",type="webhook"\} 1/);
    assert.match(metrics, /slipway_alert_notifications_total\{notifier="down",outcome="failed"\} 1/);
    assert.match(metrics, /slipway_alert_notifier_consecutive_failures\{notifier="down"\} 3/);
    await assert.rejects(d.deliver(d.notifier('down')!, notification([alert()])), /HTTP 500 from the receiver/);
    assert.equal(d.health().find((h) => h.name === 'down')?.consecutiveFailures, 6, 'failures keep counting until one goes through');
    await d.close();
  } finally {
    await down.close();
    await up.close();
  }
});
