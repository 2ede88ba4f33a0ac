// A failing notifier is itself visible: while its delivery is retried and after it gives up,
// `slipway status` and `slipway alerts list` (text and --json) show the last error, the failed
// attempts in a row and the next retry, and /metrics shows it down; the Slack URL's token
// never shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { freePort } from '../../src/lib/free-port.js';
import { WebhookReceiver } from '../helpers/alert-receivers.js';
import { cli, destroyProject, makeProject, serviceYaml, waitFor } from '../helpers/e2e-project.js';

interface Health {
  name: string;
  state: string;
  consecutiveFailures: number;
  retries: number;
  failed: number;
  lastError?: string;
  nextRetryAt?: string;
}

test('a failing notifier shows in status, alerts list and metrics, with its next retry', { timeout: 90_000 }, async () => {
  const p = await makeProject();
  const down = new WebhookReceiver({ failFirst: 1_000_000 });
  const token = `T0-${randomBytes(12).toString('hex')}`;
  try {
    const hook = await down.listen();
    const admin = await freePort();
    await writeFile(
      p.configFile,
      `version: 1\nproxy:\n  http: ${p.port}\n  host: 127.0.0.1\nadmin:\n  listen: 127.0.0.1:${admin}\n` +
        `alerts:\n  interval: 1s\n  notify:\n    - { type: webhook, url: "${hook}" }\n    - { type: slack, url: "${hook}/services/${token}" }\n` +
        `services:\n${serviceYaml('web')}`,
    );
    const env = { SLIPWAY_ALERT_RETRY_MS: '1500' };
    const started = await cli(p, ['daemon', '--detach'], env);
    assert.equal(started.code, 0, started.stdout + started.stderr);

    const before = await cli(p, ['status', '--json']);
    assert.deepEqual(
      before.json.alerts.notifiers.map((n: Health) => [n.name, n.state, n.consecutiveFailures]),
      [['webhook', 'idle', 0], ['slack', 'idle', 0]],
    );

    // `alerts test` retries (3 attempts, 1.5 s then 3 s apart): look while it waits.
    const testing = cli(p, ['alerts', 'test', 'slack', '--json'], env);
    const retrying = await waitFor('slack retrying in status', async () => {
      const s = await cli(p, ['status', '--json']);
      const slack = (s.json?.alerts?.notifiers as Health[] | undefined)?.find((n) => n.name === 'slack');
      return slack?.state === 'retrying' ? { slack, text: (await cli(p, ['status'])).stdout } : undefined;
    }, 10_000);
    assert.equal(retrying.slack.lastError, 'HTTP 500 from the receiver');
    assert.ok(retrying.slack.consecutiveFailures >= 1);
    const nextRetry = Date.parse(retrying.slack.nextRetryAt ?? '');
    assert.ok(nextRetry > Date.now() - 5000 && nextRetry < Date.now() + 5000, retrying.slack.nextRetryAt);
    assert.match(retrying.text, /notifier slack \(slack\): retrying, 0 sent, 0 failed, \d retried; \d failed attempts? in a row; last error at \S+: HTTP 500 from the receiver; next retry at \S+/);

    const result = await testing;
    assert.notEqual(result.code, 0, 'the test notification could not be delivered');
    assert.equal(result.json?.error?.code, 'SLW_ALERT_NOTIFY_FAILED', result.stdout + result.stderr);

    const list = await cli(p, ['alerts', 'list', '--json']);
    const slack = (list.json.notifiers as Health[]).find((n) => n.name === 'slack');
    assert.deepEqual([slack?.state, slack?.consecutiveFailures, slack?.retries, slack?.failed, slack?.nextRetryAt], ['failing', 3, 2, 1, undefined]);
    const listText = (await cli(p, ['alerts', 'list'])).stdout;
    assert.match(listText, /notifier slack \(slack\): failing, 0 sent, 1 failed, 2 retried; 3 failed attempts in a row; last error at \S+: HTTP 500 from the receiver\n/);
    assert.match(listText, /notifier webhook \(webhook\): idle, 0 sent, 0 failed, 0 retried\n/);
    const statusText = (await cli(p, ['status'])).stdout;
    assert.match(statusText, /alerts 0 firing\n  notifier webhook \(webhook\): idle.*\n  notifier slack \(slack\): failing/);

    const metrics = await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text();
    assert.match(metrics, /slipway_alert_notifier_up\{notifier="slack",type="slack"\} 0/);
    assert.match(metrics, /slipway_alert_notifier_up\{notifier="webhook",type="webhook"\} 1/);
    assert.match(metrics, /slipway_alert_notifier_consecutive_failures\{notifier="slack"\} 3/);
    assert.match(metrics, /slipway_alert_notification_retries_total\{notifier="slack"\} 2/);
    assert.match(metrics, /slipway_alert_notifications_total\{notifier="slack",outcome="failed"\} 1/);

    assert.equal(down.failedAt.length, 3, 'three attempts reached the receiver');
    for (const text of [listText, statusText, metrics, result.stdout, result.stderr, JSON.stringify(list.json)]) {
      assert.ok(!text.includes(token), `the Slack token leaked: ${text.slice(0, 300)}`);
    }
  } finally {
    await destroyProject(p);
    await down.close();
  }
});
