import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertManager } from '../../src/certs/cert-manager.js';
import type { Config, RouteTls } from '../../src/config/model.js';
import { leafFor, testCa } from '../helpers/cert-fixtures.js';
import { waitFor } from '../helpers/e2e-project.js';

function configWith(routes: Array<{ host: string; tls: RouteTls }>): Config {
  // Only what the cert manager reads of a Config.
  return { proxy: { http: 0, host: '127.0.0.1', https: 0 }, services: { web: { routes: routes.map((r) => ({ ...r, path: '/', redirectHttp: true })) } } } as unknown as Config;
}

test('files: installed, a changed file swapped in, a wrong-host file refused with the old one kept', { timeout: 20_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-certmgr-'));
  const published: string[] = [];
  const certs = new CertManager({ stateDir: dir, publish: async (reason) => void published.push(reason) });
  try {
    const ca = await testCa();
    const certFile = join(dir, 'site.pem');
    const keyFile = join(dir, 'site.key');
    const first = await leafFor(ca, ['site.example.com']);
    await writeFile(certFile, first.fullchain);
    await writeFile(keyFile, first.privkey);
    await certs.start();
    await certs.configure(configWith([{ host: 'site.example.com', tls: { kind: 'files', cert: certFile, key: keyFile } }]));
    const [state] = await certs.check('issue');
    assert.equal(state?.live?.generation, 1);
    assert.ok(published.length > 0, 'the table is republished');
    const table = certs.decorate({ version: 1, listen: { host: '127.0.0.1', http: 0 }, routes: [], services: {} });
    assert.equal(table.tls?.[0]?.certFile, state?.live?.certFile);
    assert.equal(table.listen.https, 0);

    const second = await leafFor(ca, ['site.example.com']);
    await writeFile(certFile, second.fullchain);
    await writeFile(keyFile, second.privkey);
    await waitFor('the changed files installed', async () => ((await certs.list())[0]?.live?.generation === 2 ? true : undefined), 10_000);

    const wrong = await leafFor(ca, ['other.example.com']);
    await writeFile(certFile, wrong.fullchain);
    await writeFile(keyFile, wrong.privkey);
    await assert.rejects(certs.check('issue'), { code: 'SLW_CERT_WRONG_HOST' });
    const [after] = await certs.list();
    assert.equal(after?.live?.generation, 2, 'the old certificate stays live');
    assert.match(after?.lastError ?? '', /SLW_CERT_WRONG_HOST/);
    assert.ok(after?.nextRenewal && Date.parse(after.nextRenewal) > Date.now(), 'a retry is scheduled (backoff)');
    assert.deepEqual((await certs.expiries()).map((e) => e.host), ['site.example.com']);
  } finally {
    certs.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('internal: a public name is refused; a private one is signed by the local CA', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-certmgr-'));
  const certs = new CertManager({ stateDir: dir, publish: async () => undefined });
  try {
    await certs.start();
    await certs.configure(configWith([{ host: 'app.localhost', tls: { kind: 'internal' } }, { host: 'public.example.com', tls: { kind: 'internal' } }]));
    await assert.rejects(certs.check('issue', 'public.example.com'), { code: 'SLW_CERT_NOT_PRIVATE' });
    const [state] = await certs.check('issue', 'app.localhost');
    assert.deepEqual(state?.live?.summary.names, ['app.localhost']);
    assert.match(state?.live?.summary.issuer ?? '', /slipway local CA/);
    await assert.rejects(certs.check('renew', 'nope.localhost'), { code: 'SLW_CERT_NOT_FOUND' });
  } finally {
    certs.close();
    await rm(dir, { recursive: true, force: true });
  }
});
