// tls.acme.dns01 in slipway.yaml: what a user writes becomes the ACME account's DNS-01 provider
// (credentials kept as secret references), wildcard routes are accepted only with it, a literal
// credential is refused without being echoed, and wildcard orders always ask for dns-01.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfig } from '../../src/config/load.js';
import { challengeTypes } from '../../src/certs/acme-orders.js';
import { refsIn } from '../../src/secrets/reference.js';
import { DaemonSecrets } from '../../src/secrets/daemon-secrets.js';
import { SlipwayError } from '../../src/errors.js';

async function check(yaml: string, env?: string): Promise<Awaited<ReturnType<typeof checkConfig>>> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-dns01-config-'));
  try {
    const file = join(dir, 'slipway.yaml');
    await writeFile(file, yaml);
    return await checkConfig({ file, ...(env ? { env } : {}) });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const routes = `services:\n  web:\n    run: node server.js\n    routes:\n      - host: "*.apps.example.com"\n        tls: auto\n  api:\n    run: node api.js\n    routes:\n      - host: "*.api.example.com"\n        tls: auto\n`;

test('rfc2136: server, zone and TSIG key become the provider; the secret stays a reference', async () => {
  const { config, issues } = await check(
    `version: 1\nenvironments:\n  production: {}\nsecrets:\n  TSIG_KEY: {}\ntls:\n  acme:\n    email: ops@example.com\n    dns01:\n      provider: rfc2136\n      server: 127.0.0.1:5353\n      zone: example.com.\n      key: { name: acme-update, algorithm: hmac-sha512, secret: "\${secret:TSIG_KEY}" }\n      propagationTimeout: 45s\n${routes}`,
    'production',
  );
  assert.deepEqual(issues, []);
  const dns01 = config?.acme?.dns01;
  assert.ok(dns01 && dns01.provider === 'rfc2136');
  assert.deepEqual(dns01.server, { host: '127.0.0.1', port: 5353 });
  assert.equal(dns01.zone, 'example.com');
  assert.equal(dns01.key.name, 'acme-update');
  assert.equal(dns01.key.algorithm, 'hmac-sha512');
  assert.deepEqual(refsIn(dns01.key.secret), [{ kind: 'value', env: 'production', ref: 'TSIG_KEY' }]);
  assert.deepEqual(dns01.checkServers, [{ host: '127.0.0.1', port: 5353 }], 'checked on the update server by default');
  assert.equal(dns01.propagationTimeoutMs, 45_000);
});

test('cloudflare: the API token as a reference, check servers as written (port 53 by default)', async () => {
  const { config, issues } = await check(
    `version: 1\nsecrets:\n  CF_TOKEN: {}\ntls:\n  acme:\n    dns01:\n      provider: cloudflare\n      apiToken: "\${secret:CF_TOKEN}"\n      checkServers: [ns1.example.net, "[::1]:5300"]\n${routes}`,
  );
  assert.deepEqual(issues, []);
  const dns01 = config?.acme?.dns01;
  assert.ok(dns01 && dns01.provider === 'cloudflare');
  assert.deepEqual(refsIn(dns01.apiToken), [{ kind: 'value', env: 'default', ref: 'CF_TOKEN' }]);
  assert.deepEqual(dns01.checkServers, [{ host: 'ns1.example.net', port: 53 }, { host: '::1', port: 5300 }]);
  assert.equal(dns01.propagationTimeoutMs, 120_000);
});

test('wildcard tls: auto without dns01 is refused at its line and column; with dns01 both routes pass', async () => {
  const { config, issues } = await check(`version: 1\ntls:\n  acme:\n    email: ops@example.com\n${routes}`);
  assert.equal(config, undefined);
  assert.deepEqual(issues.map((i) => [i.code, i.location?.line, i.location?.col]), [
    ['SLW_CONFIG_TLS_NO_DNS_PROVIDER', 10, 14],
    ['SLW_CONFIG_TLS_NO_DNS_PROVIDER', 15, 14],
  ]);
  assert.match(issues[0]?.message ?? '', /\*\.apps\.example\.com/);
  const named = await check(`version: 1\ntls:\n  acme:\n    challenge: dns-01\n${routes.replace(/"\*\./g, '"www.')}`);
  assert.deepEqual(named.issues.map((i) => i.code), ['SLW_CONFIG_TLS_NO_DNS_PROVIDER']);
});

test('a credential written in the file, or a secret reference elsewhere in tls, is refused without echoing it', async () => {
  const literal = 'Q2xvdWRmbGFyZVRva2VuSW5UaGVGaWxl';
  const { issues } = await check(`version: 1\ntls:\n  acme:\n    dns01:\n      provider: cloudflare\n      apiToken: ${literal}\n${routes}`);
  assert.deepEqual(issues.map((i) => i.code), ['SLW_CONFIG_BAD_TLS']);
  assert.ok(!JSON.stringify(issues).includes(literal));
  const elsewhere = await check(`version: 1\nsecrets:\n  X: {}\ntls:\n  acme:\n    email: "\${secret:X}"\n${routes}`);
  assert.ok(elsewhere.issues.some((i) => i.code === 'SLW_CONFIG_SECRET_NOT_ALLOWED'), JSON.stringify(elsewhere.issues));
  const wrongProvider = await check(`version: 1\ntls:\n  acme:\n    dns01:\n      provider: route53\n${routes}`);
  assert.deepEqual(wrongProvider.issues.map((i) => i.code), ['SLW_CONFIG_BAD_TLS']);
});

test('rfc2136 without its key, or with the TSIG secret written in the file, is refused at the line and column', async () => {
  const noKey = await check(`version: 1\ntls:\n  acme:\n    dns01:\n      provider: rfc2136\n      server: ns1.example.com\n${routes}`);
  assert.deepEqual(noKey.issues.map((i) => [i.code, i.location?.line, i.location?.col]), [['SLW_CONFIG_BAD_TLS', 5, 17]]);
  assert.match(noKey.issues[0]?.message ?? '', /needs key/);
  const literal = 'c2VjcmV0IGluIHRoZSBmaWxlIGl0c2VsZg==';
  const inFile = await check(`version: 1\ntls:\n  acme:\n    dns01:\n      provider: rfc2136\n      server: ns1.example.com:53\n      key:\n        name: acme-update\n        secret: "${literal}"\n${routes}`);
  assert.deepEqual(inFile.issues.map((i) => [i.code, i.location?.line, i.location?.col]), [['SLW_CONFIG_BAD_TLS', 9, 17]]);
  assert.ok(!JSON.stringify(inFile.issues).includes(literal));
  const badPort = await check(`version: 1\ntls:\n  acme:\n    dns01:\n      provider: rfc2136\n      server: ns1.example.com:70000\n      key: { name: k, secret: "\${secret:K}" }\nsecrets:\n  K: {}\n${routes}`);
  assert.deepEqual(badPort.issues.map((i) => i.code), ['SLW_CONFIG_BAD_TLS']);
});

test('challenge dns-01 is offered alone; auto still alternates HTTP-01 and TLS-ALPN-01', () => {
  assert.deepEqual(challengeTypes('dns-01', 0), ['dns-01']);
  assert.deepEqual(challengeTypes('dns-01', 3), ['dns-01']);
  assert.deepEqual(challengeTypes('auto', 0), ['http-01', 'tls-alpn-01']);
  assert.deepEqual(challengeTypes('auto', 1), ['tls-alpn-01', 'http-01']);
});

test('the JSON Schema for editors takes ${secret:NAME} where the credentials go (no pattern on them)', async () => {
  const { configJsonSchema } = await import('../../src/config/json-schema.js');
  type Node = { properties?: Record<string, Node>; pattern?: string; anyOf?: Node[] };
  const root = configJsonSchema() as Node;
  const dns01 = root.properties?.['tls']?.properties?.['acme']?.properties?.['dns01'];
  assert.ok(dns01?.properties, 'tls.acme.dns01 is in the schema');
  for (const field of [dns01.properties['apiToken'], dns01.properties['key']?.properties?.['secret']]) {
    assert.ok(field, 'field present');
    assert.equal(field.pattern, undefined);
  }
});

test('a deploy whose DNS-01 secret has no value is refused with SLW_SECRETS_MISSING, naming it', async () => {
  const { config } = await check(`version: 1\nsecrets:\n  CF_TOKEN: {}\ntls:\n  acme:\n    dns01:\n      provider: cloudflare\n      apiToken: "\${secret:CF_TOKEN}"\n${routes}`);
  assert.ok(config);
  const stateDir = await mkdtemp(join(tmpdir(), 'slipway-dns01-secrets-'));
  try {
    const err = await new DaemonSecrets({ stateDir, environ: {} }).prepare(config).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof SlipwayError && err.code === 'SLW_SECRETS_MISSING', String(err));
    assert.deepEqual(err.details?.['missing'], ['CF_TOKEN']);
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
});
