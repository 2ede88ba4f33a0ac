// Issue 5 acceptance 2, 3, 4, 6: alert rules evaluated by the daemon notify a real webhook
// receiver (HMAC verified) and a real SMTP server; "error rate high" once, grouped, then
// "resolved"; held rules stay quiet during a deploy and a failed deploy notifies once; the
// webhook secret appears in no log, metric, export, state file or notification.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/lib/free-port.js';
import { cli, destroyProject, makeProject, serviceYaml, setVersion, waitFor, type Project } from '../helpers/e2e-project.js';
import { LoadGenerator } from '../helpers/load.js';
import { MailReceiver, WebhookReceiver, type Received } from '../helpers/alert-receivers.js';

interface Setup {
  readonly hook: string;
  readonly secret: string;
  readonly smtp?: string;
  readonly admin: number;
  readonly mode: 'normal' | 'error';
  readonly watch: string;
}

async function writeAlertConfig(p: Project, s: Setup): Promise<void> {
  const email = s.smtp ? `\n    - { type: email, smtp: "${s.smtp}", from: slipway@example.com, to: [ops@example.com] }` : '';
  await writeFile(
    p.configFile,
    `version: 1\nproxy:\n  http: ${p.port}\n  host: 127.0.0.1\nadmin:\n  listen: 127.0.0.1:${s.admin}\n` +
      `alerts:\n  interval: 250ms\n  window: 2s\n  repeat: 1h\n  notify:\n    - { type: webhook, url: "${s.hook}", secret: "${s.secret}" }${email}\n` +
      `  rules:\n    - { name: error-rate-high, for: 1s }\n    - { name: latency-high, enabled: false }\n` +
      `services:\n${serviceYaml('web', { instances: 2, watch: s.watch, env: { HELLO_MODE: s.mode } })}`,
  );
}

const firingOf = (received: readonly Received[], rule: string, status = 'firing'): Received[] =>
  received.filter((r) => r.json?.alerts?.some((a: { rule: string; status: string }) => a.rule === rule && a.status === status));

function verifySignature(r: Received, secret: string): void {
  const expected = `sha256=${createHmac('sha256', secret).update(r.body).digest('hex')}`;
  assert.equal(r.headers['x-slipway-signature'], expected, 'the HMAC-SHA256 signature verifies');
}

test('error rate high: once (grouped) to a signed webhook and by email, then resolved; the secret never shows', { timeout: 150_000 }, async () => {
  const p = await makeProject();
  const hook = new WebhookReceiver();
  const mail = new MailReceiver();
  const secret = `whsec-${randomBytes(16).toString('hex')}`;
  let load: LoadGenerator | undefined;
  try {
    const setup: Setup = { hook: await hook.listen(), smtp: await mail.listen(), secret, admin: await freePort(), mode: 'error', watch: '1s' };
    await writeAlertConfig(p, setup);
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    await setVersion(p, 'v1-broken');
    const first = await cli(p, ['deploy']);
    assert.equal(first.code, 0, first.stdout + first.stderr);

    load = new LoadGenerator({ port: p.port, host: 'hello.localhost', rps: 60, loops: 4 });
    const fired = await waitFor('error-rate-high at the webhook', () => firingOf(hook.received, 'error-rate-high')[0], 20_000);
    verifySignature(fired, secret);
    assert.equal(fired.json.group, 'web');
    assert.equal(fired.json.status, 'firing');
    const mailed = await waitFor('error-rate-high by email', () => mail.messages.find((m) => m.includes('error-rate-high')), 20_000);
    assert.match(mailed, /Subject: \[slipway firing\] web: error-rate-high/);

    const list = await cli(p, ['alerts', 'list', '--json']);
    assert.ok(list.json.alerts.some((a: { rule: string; state: string }) => a.rule === 'error-rate-high' && a.state === 'firing'), list.stdout);
    const status = await cli(p, ['status', '--json']);
    assert.equal(status.json.alerts.notifiers.find((n: { name: string }) => n.name === 'webhook').state, 'ok');

    // Recovery: a release that answers 200; the deploy holds the rule, then the window starts afresh.
    await writeAlertConfig(p, { ...setup, mode: 'normal' });
    await setVersion(p, 'v2-good');
    const fix = await cli(p, ['deploy']);
    assert.equal(fix.code, 0, fix.stdout + fix.stderr);
    const resolved = await waitFor('resolved at the webhook', () => firingOf(hook.received, 'error-rate-high', 'resolved')[0], 20_000);
    verifySignature(resolved, secret);
    assert.equal(resolved.json.status, 'resolved');
    assert.equal(firingOf(hook.received, 'error-rate-high').length, 1, 'sent once while it fired (grouped, deduplicated)');
    await waitFor('resolved by email', () => mail.messages.find((m) => m.includes('RESOLVED')), 20_000);

    const test = await cli(p, ['alerts', 'test', 'webhook', '--json']);
    assert.equal(test.code, 0, test.stdout + test.stderr);
    await waitFor('the test notification', () => hook.received.find((r) => r.json?.test === true));
    assert.equal((await cli(p, ['alerts', 'test', 'nope'])).code !== 0, true);

    // Scan: logs, metrics, exports, the state file, CLI output and every notification.
    const metrics = await (await fetch(`http://127.0.0.1:${setup.admin}/metrics`)).text();
    assert.match(metrics, /slipway_alert_notifier_up\{notifier="webhook",type="webhook"\} 1/);
    const places: string[] = [metrics, list.stdout, status.stdout, (await cli(p, ['export', 'prometheus-rules'])).stdout, (await cli(p, ['export', 'grafana-dashboard'])).stdout];
    places.push(...hook.received.map((r) => r.body + JSON.stringify(r.headers)), ...mail.messages);
    places.push(await readFile(join(p.stateDir, 'alerts.json'), 'utf8'));
    for (const file of await readdir(join(p.stateDir, 'logs'), { recursive: true })) {
      places.push(await readFile(join(p.stateDir, 'logs', file), 'utf8').catch(() => ''));
    }
    assert.ok(places.join('').includes('error-rate-high'), 'the scan reads real content');
    for (const text of places) assert.ok(!text.includes(secret), `the webhook secret leaked: ${text.slice(0, 200)}`);
  } finally {
    await load?.stop();
    await destroyProject(p);
    await hook.close();
    await mail.close();
  }
});

test('during a deploy held rules do not notify; a failed deploy notifies once', { timeout: 150_000 }, async () => {
  const p = await makeProject();
  const hook = new WebhookReceiver();
  const secret = `whsec-${randomBytes(16).toString('hex')}`;
  let load: LoadGenerator | undefined;
  try {
    const setup: Setup = { hook: await hook.listen(), secret, admin: await freePort(), mode: 'normal', watch: '3s' };
    await writeAlertConfig(p, setup);
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    await setVersion(p, 'v1');
    assert.equal((await cli(p, ['deploy'])).code, 0);
    load = new LoadGenerator({ port: p.port, host: 'hello.localhost', rps: 100, loops: 4 });
    await sleep(1500);

    await writeAlertConfig(p, { ...setup, mode: 'error' });
    await setVersion(p, 'v2-broken');
    const deploy = await cli(p, ['deploy', '--json']);
    assert.notEqual(deploy.code, 0, 'the judge reverts the broken release');
    assert.equal(deploy.json.results[0].outcome, 'reverted', deploy.stdout);
    const failed = await waitFor('deploy-failed at the webhook', () => firingOf(hook.received, 'deploy-failed')[0], 10_000);
    verifySignature(failed, secret);
    const alert = failed.json.alerts.find((a: { rule: string }) => a.rule === 'deploy-failed');
    assert.equal(alert.deployment, deploy.json.results[0].deploymentId, 'annotated with the deployment');
    await sleep(4000); // longer than the window and the for-duration of error-rate-high
    assert.equal(firingOf(hook.received, 'deploy-failed').length, 1, 'a failed deploy notifies once');
    assert.deepEqual(firingOf(hook.received, 'error-rate-high'), [], 'error-rate-high was held during the deploy');
    assert.equal(hook.received.length, 1, hook.received.map((r) => r.body).join('\n'));
  } finally {
    await load?.stop();
    await destroyProject(p);
    await hook.close();
  }
});
