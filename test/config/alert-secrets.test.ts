// ${secret:NAME} in alert notifiers: allowed in the settings that carry credentials (webhook
// secret and url, Slack url, email smtp, Alertmanager url), kept as references by the config,
// refused everywhere else in `alerts:`; resolved from the store with every value redacted, and
// missing or unfit values reported by name, never by value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfig } from '../../src/config/load.js';
import type { NotifierSpec } from '../../src/config/alerts-model.js';
import { SlipwayError } from '../../src/errors.js';
import { usedSecrets } from '../../src/secrets/daemon-secrets.js';
import { notifierRefs, resolveNotifierSecrets } from '../../src/secrets/notifier-secrets.js';
import { Redactor } from '../../src/secrets/redactor.js';
import { displayRefs, hasRefs } from '../../src/secrets/reference.js';
import { Secret } from '../../src/secrets/secret.js';

async function check(yaml: string): Promise<Awaited<ReturnType<typeof checkConfig>>> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-alert-secrets-'));
  try {
    await mkdir(join(dir, 'app'));
    await writeFile(join(dir, 'slipway.yaml'), yaml);
    return await checkConfig({ file: join(dir, 'slipway.yaml') });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const SECRETS = 'secrets:\n  WEBHOOK_KEY: {}\n  SLACK_URL: {}\n  SMTP_PASSWORD: {}\n  AM_URL: {}\n  HOOK_TOKEN: {}\n';
const SERVICES = 'services:\n  web:\n    source: ./app\n    run: node server.js\n';

const GOOD = `version: 1
${SECRETS}alerts:
  notify:
    - { type: webhook, url: "https://hooks.example.com/\${secret:HOOK_TOKEN}", secret: "\${secret:WEBHOOK_KEY}" }
    - { type: slack, url: "\${secret:SLACK_URL}" }
    - { type: email, smtp: "smtp://alerts:\${secret:SMTP_PASSWORD}@mail.example.com:587", from: slipway@example.com, to: [ops@example.com] }
    - { type: alertmanager, url: "\${secret:AM_URL}" }
${SERVICES}`;

test('${secret:NAME} in notifier credentials stays a reference, and deploys need its value', async () => {
  const { config, issues } = await check(GOOD);
  assert.deepEqual(issues, []);
  const notify = config?.alerts?.notify ?? [];
  const shown = notify.map((n) => Object.fromEntries(Object.entries(n).map(([k, v]) => [k, typeof v === 'string' ? displayRefs(v) : v])));
  assert.deepEqual(shown, [
    { type: 'webhook', name: 'webhook', url: 'https://hooks.example.com/${secret:HOOK_TOKEN}', secret: '${secret:WEBHOOK_KEY}' },
    { type: 'slack', name: 'slack', url: '${secret:SLACK_URL}' },
    { type: 'email', name: 'email', smtp: 'smtp://alerts:${secret:SMTP_PASSWORD}@mail.example.com:587', from: 'slipway@example.com', to: ['ops@example.com'] },
    { type: 'alertmanager', name: 'alertmanager', url: '${secret:AM_URL}' },
  ]);
  assert.deepEqual(notify.map((n) => notifierRefs(n).map((r) => r.ref)), [['HOOK_TOKEN', 'WEBHOOK_KEY'], ['SLACK_URL'], ['SMTP_PASSWORD'], ['AM_URL']]);
  assert.ok(config && [...usedSecrets(config)].sort().join() === 'AM_URL,HOOK_TOKEN,SLACK_URL,SMTP_PASSWORD,WEBHOOK_KEY', 'a deploy checks every notifier secret has a value');
});

test('${secret:...} elsewhere in alerts: is still refused, with file:line:col', async () => {
  const yaml = `version: 1
${SECRETS}alerts:
  notify:
    - { type: "\${secret:WEBHOOK_KEY}", url: "https://hooks.example.com/x" }
    - { type: email, smtp: "smtp://mail.example.com:587", from: "\${secret:SMTP_PASSWORD}", to: [ops@example.com] }
    - { type: slack, name: "\${secret:SLACK_URL}", url: "https://hooks.example.com/s" }
  rules:
    - { name: "\${secret:HOOK_TOKEN}", metric: error_rate, above: 5% }
${SERVICES}`;
  const { config, issues } = await check(yaml);
  assert.equal(config, undefined);
  const refused = issues.filter((i) => i.code === 'SLW_CONFIG_SECRET_NOT_ALLOWED').map((i) => `${i.location?.line}:${i.location?.col} ${i.path}`);
  assert.deepEqual(refused, ['10:15 alerts.notify[0].type', '11:65 alerts.notify[1].from', '12:28 alerts.notify[2].name', '14:15 alerts.rules[0].name']);
  for (const issue of issues.filter((i) => i.code === 'SLW_CONFIG_SECRET_NOT_ALLOWED')) {
    assert.ok(issue.location?.file.endsWith('slipway.yaml'), 'the issue names the file');
    assert.match(issue.message, /alerts\.notify\[\]\.secret\/url\/smtp/);
  }
});

test('notifier URLs with a reference in part are still checked; undeclared secrets are named', async () => {
  const yaml = `version: 1
${SECRETS}alerts:
  notify:
    - { type: webhook, url: "ftp://\${secret:HOOK_TOKEN}@example.com/x" }
    - { type: slack, url: "\${secret:NOT_DECLARED}" }
${SERVICES}`;
  const { issues } = await check(yaml);
  assert.deepEqual(issues.map((i) => `${i.code} ${i.path}`).sort(), ['SLW_CONFIG_INVALID_TYPE alerts.notify[0].url', 'SLW_CONFIG_UNKNOWN_SECRET alerts.notify[1].url']);
});

/** A store in memory (the daemon's is the encrypted file). */
function source(values: Record<string, string>): { get(env: string, ref: string): Promise<Secret>; reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    get: async (env, ref) => {
      reads.push(`${env}:${ref}`);
      const value = values[ref];
      if (value === undefined) throw new SlipwayError('SLW_SECRETS_UNKNOWN', `Secret ${ref} has no value in environment "${env}".`);
      return new Secret(ref, value);
    },
  };
}

test('resolving notifier secrets: values in place, every value redacted, missing and unfit values named only', async () => {
  const { config } = await check(GOOD);
  const notify = config?.alerts?.notify ?? [];
  const values = {
    HOOK_TOKEN: 'tok-0123456789abcdef',
    WEBHOOK_KEY: 'whkey-0123456789abcdef0123',
    SLACK_URL: 'https://hooks.slack.example/services/T000/B000/XXXXSECRETXXXX',
    SMTP_PASSWORD: 'p@ss word/42!',
    AM_URL: 'http://am:am-password-1@127.0.0.1:9093',
  };
  const redactor = new Redactor();
  const store = source(values);
  const resolved = await Promise.all(notify.map((n) => resolveNotifierSecrets(n, store, redactor)));
  assert.deepEqual(resolved[0], { type: 'webhook', name: 'webhook', url: `https://hooks.example.com/${values.HOOK_TOKEN}`, secret: values.WEBHOOK_KEY });
  assert.equal((resolved[1] as Extract<NotifierSpec, { type: 'slack' }>).url, values.SLACK_URL);
  const smtp = new URL((resolved[2] as Extract<NotifierSpec, { type: 'email' }>).smtp);
  assert.deepEqual([smtp.protocol, smtp.username, decodeURIComponent(smtp.password), smtp.host], ['smtp:', 'alerts', values.SMTP_PASSWORD, 'mail.example.com:587'], 'a password in a URL is percent-encoded');
  assert.equal((resolved[3] as Extract<NotifierSpec, { type: 'alertmanager' }>).url, values.AM_URL);
  assert.ok(resolved.every((n) => !Object.values(n).some((v) => typeof v === 'string' && hasRefs(v))));
  const text = Object.values(values).map((v) => `${v} ${Buffer.from(v).toString('base64')} ${encodeURIComponent(v)}`).join(' | ');
  const redacted = redactor.redact(text);
  for (const v of Object.values(values)) assert.ok(!redacted.includes(v) && !redacted.includes(Buffer.from(v).toString('base64')) && !redacted.includes(encodeURIComponent(v)));

  // Missing: every name of the notifier at once, SLW_SECRETS_MISSING, and no value anywhere.
  const missing = await resolveNotifierSecrets(notify[0] as NotifierSpec, source({}), new Redactor()).then(
    () => assert.fail('resolved without values'),
    (err: unknown) => err as SlipwayError,
  );
  assert.equal(missing.code, 'SLW_SECRETS_MISSING');
  assert.match(missing.message, /Notifier "webhook" \(webhook\) needs HOOK_TOKEN, WEBHOOK_KEY, which environment "default" has no value for/);
  assert.match(missing.hint ?? '', /slipway secrets set NAME/);

  // Unfit: a short key, a Slack "URL" that is not one; the message names the secret, not the value.
  const unfit = source({ ...values, WEBHOOK_KEY: 'short-key', SLACK_URL: 'not a url at all' });
  for (const [i, pattern] of [[0, /secret of notifier "webhook" \(webhook\), read from WEBHOOK_KEY, is shorter than 16 characters/], [1, /url of notifier "slack" \(slack\), read from SLACK_URL, is not a URL/]] as const) {
    const err = await resolveNotifierSecrets(notify[i] as NotifierSpec, unfit, new Redactor()).then(
      () => assert.fail('an unfit value was accepted'),
      (e: unknown) => e as SlipwayError,
    );
    assert.equal(err.code, 'SLW_ALERT_BAD_SECRET');
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes('short-key') && !err.message.includes('not a url'));
  }
});
