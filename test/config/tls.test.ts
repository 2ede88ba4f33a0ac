import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfig } from '../../src/config/load.js';

const YAML = `version: 1
tls:
  acme: { email: ops@example.com, directory: letsencrypt-staging, caBundle: ./ca.pem }
proxy: { http: 8080 }
services:
  web:
    run: node server.js
    routes:
      - { host: app.example.com, tls: auto }
      - { host: app.localhost, tls: internal, redirectHttp: false, hsts: 1h }
      - { host: files.example.com, tls: { cert: ./c.pem, key: ./k.pem }, hsts: false }
      - { host: plain.example.com }
`;

test('tls config: route sources, redirect and HSTS defaults, https port 443 when TLS is on, ACME directory names', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-tls-config-'));
  try {
    const file = join(dir, 'slipway.yaml');
    await writeFile(file, YAML);
    const { config, issues } = await checkConfig({ file });
    assert.deepEqual(issues, []);
    assert.equal(config?.proxy.https, 443);
    assert.deepEqual(config?.acme, { email: 'ops@example.com', directory: 'https://acme-staging-v02.api.letsencrypt.org/directory', caBundle: join(dir, 'ca.pem'), challenge: 'auto' });
    const routes = config?.services['web']?.routes ?? [];
    assert.deepEqual(routes[0], { host: 'app.example.com', path: '/', tls: { kind: 'auto' }, redirectHttp: true, hstsMaxAge: undefined });
    assert.deepEqual(routes[1], { host: 'app.localhost', path: '/', tls: { kind: 'internal' }, redirectHttp: false, hstsMaxAge: 3600 });
    assert.deepEqual(routes[2]?.tls, { kind: 'files', cert: join(dir, 'c.pem'), key: join(dir, 'k.pem') });
    assert.equal(routes[2]?.hstsMaxAge, undefined);
    assert.deepEqual(routes[3], { host: 'plain.example.com', path: '/' });

    const prod = await checkConfig({ file: await writeOverlay(dir) , env: 'production' });
    assert.deepEqual(prod.issues, []);
    assert.equal(prod.config?.services['web']?.routes[0]?.hstsMaxAge, 365 * 86_400, 'HSTS is on by default in production');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

async function writeOverlay(dir: string): Promise<string> {
  const file = join(dir, 'with-env.yaml');
  await writeFile(file, `${YAML}environments:\n  production: {}\n`);
  return file;
}
