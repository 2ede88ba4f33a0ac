// Notifier credentials from the secret store: a webhook key, a Slack URL and an Alertmanager
// URL with basic auth written as ${secret:NAME}. Missing values are reported at daemon start
// (its log), at deploy (SLW_SECRETS_MISSING) and by `alerts test`; once set with `slipway
// secrets set` (no daemon restart), an alert fired by the daemon reaches real receivers: the
// HMAC verifies with the stored key, Slack gets its post at the secret path, Alertmanager gets
// the basic auth. No value (nor its base64 or URL encoding) shows in the state directory, the
// daemon log, CLI output, metrics, exports or notification bodies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../src/lib/free-port.js';
import { WebhookReceiver, type Received } from '../helpers/alert-receivers.js';
import { CLI, cli, destroyProject, makeProject, serviceYaml, setVersion, waitFor, type CliResult, type Project } from '../helpers/e2e-project.js';
import { LoadGenerator } from '../helpers/load.js';
import { filesUnder } from '../helpers/tree.js';

function configYaml(p: Project, admin: number, hookUrl: string): string {
  return (
    `version: 1\nproxy:\n  http: ${p.port}\n  host: 127.0.0.1\nadmin:\n  listen: 127.0.0.1:${admin}\n` +
    'secrets:\n  WEBHOOK_KEY: {}\n  SLACK_URL: {}\n  AM_URL: {}\n' +
    'alerts:\n  interval: 250ms\n  window: 2s\n  repeat: 1h\n  notify:\n' +
    // The webhook URL is a plain one: only its key is secret.
    `    - { type: webhook, url: "${hookUrl}", secret: "\${secret:WEBHOOK_KEY}" }\n` +
    '    - { type: slack, url: "${secret:SLACK_URL}" }\n' +
    '    - { type: alertmanager, url: "${secret:AM_URL}" }\n' +
    '  rules:\n    - { name: error-rate-high, for: 1s }\n    - { name: latency-high, enabled: false }\n' +
    `services:\n${serviceYaml('web', { instances: 2, watch: '1s', env: { HELLO_MODE: 'error' } })}`
  );
}

/** The forms a value must never appear in. */
function forms(value: string): string[] {
  const b = Buffer.from(value);
  return [value, b.toString('base64'), b.toString('base64').replace(/=+$/, ''), b.toString('base64url'), encodeURIComponent(value)];
}

const firing = (received: readonly Received[], rule: string): Received | undefined =>
  received.find((r) => JSON.stringify(r.json ?? '').includes(rule) && !JSON.stringify(r.json ?? '').includes('"test":true'));

test('notifier secrets from the store: reported while missing, then signed, posted and never shown', { timeout: 180_000 }, async () => {
  const p = await makeProject();
  const hook = new WebhookReceiver();
  const slack = new WebhookReceiver();
  const am = new WebhookReceiver();
  const outputs: CliResult[] = [];
  const run = async (args: string[], env: Record<string, string> = {}): Promise<CliResult> => {
    const r = await cli(p, args, env);
    outputs.push(r);
    return r;
  };
  const setSecret = (name: string, value: string): void => {
    const r = spawnSync(process.execPath, [CLI, 'secrets', 'set', name, '--config', p.configFile], {
      input: `${value}\n`,
      cwd: p.dir,
      encoding: 'utf8',
      env: { ...process.env, SLIPWAY_TEST_MARK: p.mark },
    });
    outputs.push({ code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr, json: undefined });
    assert.equal(r.status, 0, `secrets set ${name} failed (exit ${r.status})`);
  };
  let load: LoadGenerator | undefined;
  try {
    const hookUrl = await hook.listen();
    const slackBase = new URL(await slack.listen());
    const amBase = new URL(await am.listen());
    const webhookKey = `whsec-${randomBytes(16).toString('hex')}`;
    const slackPath = `/services/T0${randomBytes(4).toString('hex')}/B0${randomBytes(4).toString('hex')}/${randomBytes(12).toString('hex')}`;
    const slackUrl = `http://${slackBase.host}${slackPath}`;
    const amPassword = `am-${randomBytes(12).toString('base64url')}`;
    const amUrl = `http://slipway:${encodeURIComponent(amPassword)}@${amBase.host}/am`;
    const admin = await freePort();
    await writeFile(p.configFile, configYaml(p, admin, hookUrl));
    const env = { SLIPWAY_ALERT_RETRY_MS: '200' };

    // Missing: the daemon starts (alerts on) and says which notifiers send nothing, and why.
    const started = await run(['daemon', '--detach'], env);
    assert.equal(started.code, 0, started.stdout + started.stderr);
    const daemonLog = join(p.stateDir, 'logs', 'daemon.log');
    const ready = await waitFor('the ready line', async () => (await readFile(daemonLog, 'utf8')).split('\n').find((l) => l.startsWith('{"ready":true')));
    const warnings = (JSON.parse(ready) as { warnings: string[] }).warnings.join('\n');
    assert.match(warnings, /alerts: notifier webhook sends nothing yet: Notifier "webhook" \(webhook\) needs WEBHOOK_KEY, which environment "default" has no value for.*\[SLW_SECRETS_MISSING\]/);
    assert.match(warnings, /notifier slack sends nothing yet: .*needs SLACK_URL/);
    assert.match(warnings, /notifier alertmanager sends nothing yet: .*needs AM_URL/);

    // ... a deploy is refused, naming every missing secret ...
    await setVersion(p, 'v1-broken');
    const refused = await run(['deploy', '--json']);
    assert.notEqual(refused.code, 0);
    assert.equal(refused.json?.error?.code, 'SLW_SECRETS_MISSING', refused.stdout + refused.stderr);
    assert.deepEqual([...refused.json.error.details.missing].sort(), ['AM_URL', 'SLACK_URL', 'WEBHOOK_KEY']);

    // ... and `alerts test` fails with the reason, which status then shows.
    const untested = await run(['alerts', 'test', 'webhook', '--json'], env);
    assert.equal(untested.json?.error?.code, 'SLW_ALERT_NOTIFY_FAILED', untested.stdout + untested.stderr);
    assert.match(untested.json.error.message, /needs WEBHOOK_KEY/);
    const failing = await run(['status', '--json']);
    const webhookHealth = failing.json.alerts.notifiers.find((n: { name: string }) => n.name === 'webhook');
    assert.equal(webhookHealth.state, 'failing');
    assert.match(webhookHealth.lastError, /needs WEBHOOK_KEY/);

    // Set: no restart; the next notification reads the store.
    setSecret('WEBHOOK_KEY', webhookKey);
    setSecret('SLACK_URL', slackUrl);
    setSecret('AM_URL', amUrl);
    const tested = await run(['alerts', 'test', 'slack', '--json'], env);
    assert.equal(tested.code, 0, tested.stdout + tested.stderr);
    const slackTest = await waitFor('the Slack test post', () => slack.received[0]);
    assert.equal(slackTest.url, slackPath, 'Slack got its post at the secret URL');

    const deploy = await run(['deploy', '--json']);
    assert.equal(deploy.code, 0, deploy.stdout + deploy.stderr);
    load = new LoadGenerator({ port: p.port, host: 'hello.localhost', rps: 60, loops: 4 });
    const signed = await waitFor('error-rate-high at the webhook', () => firing(hook.received, 'error-rate-high'), 30_000);
    const expected = `sha256=${createHmac('sha256', webhookKey).update(signed.body).digest('hex')}`;
    assert.equal(signed.headers['x-slipway-signature'], expected, 'the HMAC verifies with the stored key');
    const posted = await waitFor('error-rate-high at Slack', () => firing(slack.received, 'error-rate-high'), 20_000);
    assert.equal(posted.url, slackPath);
    const alerted = await waitFor('error-rate-high at Alertmanager', () => firing(am.received, 'error-rate-high'), 20_000);
    assert.equal(alerted.url, '/am/api/v2/alerts');
    assert.equal(alerted.headers['authorization'], `Basic ${Buffer.from(`slipway:${amPassword}`).toString('base64')}`, 'Alertmanager got the basic auth of the secret URL');
    await load.stop();
    load = undefined;

    const webhookTest = await run(['alerts', 'test', 'webhook', '--json'], env);
    assert.equal(webhookTest.code, 0, webhookTest.stdout + webhookTest.stderr);

    // Rotated: the next notification is signed with the new key, without a daemon restart.
    const rotatedKey = `whsec-${randomBytes(16).toString('hex')}`;
    setSecret('WEBHOOK_KEY', rotatedKey);
    const testsBefore = hook.received.filter((r) => r.body.includes('"test":true')).length;
    const rotatedTest = await run(['alerts', 'test', 'webhook', '--json'], env);
    assert.equal(rotatedTest.code, 0, rotatedTest.stdout + rotatedTest.stderr);
    const afterRotation = await waitFor('the test post after rotation', () => hook.received.filter((r) => r.body.includes('"test":true'))[testsBefore]);
    const resigned = `sha256=${createHmac('sha256', rotatedKey).update(afterRotation.body).digest('hex')}`;
    assert.equal(afterRotation.headers['x-slipway-signature'], resigned, 'signed with the rotated key');
    const list = await run(['alerts', 'list', '--json']);
    assert.ok(list.json.alerts.some((a: { rule: string }) => a.rule === 'error-rate-high'), 'alerts list reads real content');
    const status = await run(['status', '--json']);
    assert.deepEqual(status.json.alerts.notifiers.map((n: { name: string; state: string }) => [n.name, n.state]), [['webhook', 'ok'], ['slack', 'ok'], ['alertmanager', 'ok']]);
    await run(['alerts', 'list']);
    await run(['status']);
    await run(['export', 'prometheus-rules']);
    await run(['export', 'grafana-dashboard']);
    const metrics = await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text();
    assert.match(metrics, /slipway_alert_notifier_up\{notifier="slack",type="slack"\} 1/);

    // Scan: the state directory (daemon log, journal, alert state, instance logs), CLI output, metrics, notification bodies.
    const places: [string, string][] = [['metrics', metrics]];
    for (const [i, r] of outputs.entries()) places.push([`cli output ${i}`, r.stdout + r.stderr]);
    for (const r of [...hook.received, ...slack.received, ...am.received]) places.push(['a notification body', r.body]);
    for (const file of await filesUnder(p.stateDir)) places.push([file.slice(p.stateDir.length), await readFile(file, 'latin1').catch(() => '')]);
    assert.ok(places.some(([where]) => where.endsWith('daemon.log')), 'the scan reads the daemon log');
    assert.ok(places.map(([, text]) => text).join('').includes('error-rate-high'), 'the scan reads real content');
    for (const [name, value] of [['WEBHOOK_KEY', webhookKey], ['the rotated WEBHOOK_KEY', rotatedKey], ['SLACK_URL', slackUrl], ['AM_URL', amUrl], ['the Alertmanager password', amPassword]] as const) {
      for (const form of forms(value)) {
        for (const [where, text] of places) assert.ok(!text.includes(form), `${name} (or an encoding of it) shows in ${where}`);
      }
    }
  } finally {
    await load?.stop();
    await destroyProject(p);
    await hook.close();
    await slack.close();
    await am.close();
  }
});
