// Issue 3 through the daemon: user-provided certificate files swapped on disk while running
// (wrong key, expired, wrong host refused with their codes, the old one served; a good one
// swapped in), a daemon killed between the archive write and the live swap (acceptance 5 and
// 6), and the certificates of removed routes (no longer served, files removed after a grace).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../src/lib/free-port.js';
import { leafFor, testCa } from '../helpers/cert-fixtures.js';
import { httpsGet, servedSerial } from '../helpers/tls-client.js';
import { cli, daemonPid, destroyProject, isAlive, makeProject, serviceYaml, setVersion, waitFor, type Project } from '../helpers/e2e-project.js';

interface Listed {
  hosts: string[];
  serial?: string;
  generation?: number;
  lastError?: string;
  failures?: number;
}

async function listed(p: Project, host: string): Promise<Listed | undefined> {
  const out = await cli(p, ['certs', 'list', '--json']);
  return (out.json?.certs as Listed[] | undefined)?.find((c) => c.hosts.includes(host));
}

async function writeRoutes(p: Project, httpsPort: number, routes: string, first: string): Promise<void> {
  const service = serviceYaml('web', { instances: 1 }, first).replace(`      - host: ${first}\n`, routes);
  await writeFile(p.configFile, `version: 1\nproxy:\n  http: ${p.port}\n  https: ${httpsPort}\n  host: 127.0.0.1\nservices:\n${service}`);
}

test('files swapped on disk: wrong key, expired and wrong host refused with their codes while the old one serves; a good one swapped in', { timeout: 120_000 }, async () => {
  const p = await makeProject();
  const host = 'site.example.com';
  try {
    const ca = await testCa();
    const certFile = join(p.dir, 'site.pem');
    const keyFile = join(p.dir, 'site.key');
    const good = await leafFor(ca, [host]);
    await writeFile(certFile, good.fullchain);
    await writeFile(keyFile, good.privkey);
    const httpsPort = await freePort();
    await writeRoutes(p, httpsPort, `      - host: ${host}\n        tls: { cert: ./site.pem, key: ./site.key }\n`, host);
    await setVersion(p, 'v1');
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    const deploy = await cli(p, ['deploy']);
    assert.equal(deploy.code, 0, deploy.stdout + deploy.stderr);
    const first = await waitFor('the files installed', async () => ((await listed(p, host))?.serial ? listed(p, host) : undefined), 20_000);
    const served = (): Promise<string> => httpsGet(host, httpsPort, ca.certPem).then((r) => r.serial);
    await waitFor('the files served', async () => (await served().catch(() => '')) === first?.serial || undefined, 10_000);

    const other = await leafFor(ca, [host]);
    const expired = await leafFor(ca, [host], { notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    const wrongHost = await leafFor(ca, ['other.example.com']);
    const bad: Array<[string, () => Promise<void>]> = [
      ['SLW_CERT_KEY_MISMATCH', () => writeFile(certFile, other.fullchain)], // the key file stays the old one
      ['SLW_CERT_EXPIRED', async () => (await writeFile(certFile, expired.fullchain), await writeFile(keyFile, expired.privkey))],
      ['SLW_CERT_WRONG_HOST', async () => (await writeFile(certFile, wrongHost.fullchain), await writeFile(keyFile, wrongHost.privkey))],
    ];
    for (const [code, swap] of bad) {
      await swap();
      const state = await waitFor(`${code} in certs list`, async () => {
        const c = await listed(p, host);
        return c?.lastError?.startsWith(`${code}:`) ? c : undefined;
      }, 15_000);
      assert.equal(state.generation, first?.generation, `${code}: nothing new went live`);
      assert.equal(state.serial, first?.serial);
      assert.equal(await served(), first?.serial, `${code}: the old certificate is served`);
    }

    const next = await leafFor(ca, [host]);
    await writeFile(certFile, next.fullchain);
    await writeFile(keyFile, next.privkey);
    const swapped = await waitFor('the good files swapped in', async () => {
      const c = await listed(p, host);
      return c?.serial !== first?.serial && c?.lastError === undefined ? c : undefined;
    }, 15_000);
    assert.equal(swapped.failures, 0);
    await waitFor('the new files served', async () => (await served()) === swapped.serial || undefined, 10_000);
    assert.equal((await cli(p, ['stop'])).code, 0);
  } finally {
    await destroyProject(p);
  }
});

test('a daemon killed between the archive write and the live swap: live stays whole, the proxy keeps serving, a restart renews', { timeout: 120_000 }, async () => {
  const p = await makeProject();
  const host = 'crash.localhost';
  try {
    const httpsPort = await freePort();
    await writeRoutes(p, httpsPort, `      - host: ${host}\n        tls: internal\n`, host);
    await setVersion(p, 'v1');
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    const deploy = await cli(p, ['deploy']);
    assert.equal(deploy.code, 0, deploy.stdout + deploy.stderr);
    const first = await waitFor('a certificate', async () => ((await listed(p, host))?.serial ? listed(p, host) : undefined), 20_000);
    await waitFor('it is served', async () => (await servedSerial(host, httpsPort).catch(() => '')) === first?.serial || undefined, 10_000);

    assert.equal((await cli(p, ['stop', '--keep-apps'])).code, 0);
    await waitFor('the daemon to stop', async () => {
      const pid = await daemonPid(p);
      return pid === undefined || !isAlive(pid) ? true : undefined;
    });
    assert.equal((await cli(p, ['daemon', '--detach'], { SLIPWAY_CRASH_AT: 'cert:archived' })).code, 0);
    const doomed = await daemonPid(p);
    assert.ok(doomed);
    const renew = await cli(p, ['certs', 'renew', host, '--json']);
    assert.notEqual(renew.code, 0, 'the daemon died during the renewal');
    await waitFor('the daemon killed', () => (isAlive(doomed) ? undefined : true));

    // On disk: the new generation is archived whole, live still names the old one, no temp dir.
    const dir = join(p.stateDir, 'certs', host);
    assert.equal(await readlink(join(dir, 'live')), `archive/${first?.generation}`);
    const archived = (await readdir(join(dir, 'archive'))).sort();
    assert.deepEqual(archived, [String(first?.generation), String((first?.generation ?? 0) + 1)].sort());
    for (const f of ['fullchain.pem', 'privkey.pem']) assert.ok((await stat(join(dir, 'archive', archived[1]!, f))).size > 0);
    assert.equal(await servedSerial(host, httpsPort), first?.serial, 'the proxy serves the old certificate all along');

    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    const after = await listed(p, host);
    assert.equal(after?.generation, first?.generation);
    assert.equal(after?.serial, first?.serial);
    const renewed = await cli(p, ['certs', 'renew', host, '--json']);
    assert.equal(renewed.code, 0, renewed.stdout + renewed.stderr);
    assert.equal(renewed.json.certs[0].generation, (first?.generation ?? 0) + 2);
    await waitFor('the renewed certificate served', async () => (await servedSerial(host, httpsPort)) === renewed.json.certs[0].serial || undefined, 10_000);
    assert.equal((await cli(p, ['stop'])).code, 0);
  } finally {
    await destroyProject(p);
  }
});

test('a removed route: its certificate is no longer listed or served, and its files go after the grace period', { timeout: 120_000 }, async () => {
  const p = await makeProject();
  const kept = 'kept.localhost';
  const gone = 'gone.localhost';
  try {
    const httpsPort = await freePort();
    await writeRoutes(p, httpsPort, `      - host: ${kept}\n        tls: internal\n      - host: ${gone}\n        tls: internal\n`, kept);
    await setVersion(p, 'v1');
    assert.equal((await cli(p, ['daemon', '--detach'], { SLIPWAY_TEST_CERT_TIMING: 'check=500,grace=10000' })).code, 0);
    const deploy = await cli(p, ['deploy']);
    assert.equal(deploy.code, 0, deploy.stdout + deploy.stderr);
    const goneCert = await waitFor('both certificates', async () => ((await listed(p, kept))?.serial ? listed(p, gone) : undefined), 20_000);
    assert.ok(goneCert?.serial);
    await waitFor('the removed host served first', async () => (await servedSerial(gone, httpsPort).catch(() => '')) === goneCert.serial || undefined, 10_000);

    await writeRoutes(p, httpsPort, `      - host: ${kept}\n        tls: internal\n`, kept);
    await setVersion(p, 'v2');
    const redeploy = await cli(p, ['deploy']);
    assert.equal(redeploy.code, 0, redeploy.stdout + redeploy.stderr);
    assert.equal(await listed(p, gone), undefined, 'no longer listed');
    await waitFor('the removed certificate no longer served', async () => (await servedSerial(gone, httpsPort)) !== goneCert.serial || undefined, 10_000);
    const dir = join(p.stateDir, 'certs', gone);
    assert.ok((await stat(join(dir, 'removed-at'))).isFile(), 'marked when the route went');
    await waitFor('the files removed after the grace period', async () => (await stat(dir).then(() => false, () => true)) || undefined, 30_000);
    assert.ok((await listed(p, kept))?.serial, 'the kept route keeps its certificate');
    assert.ok((await stat(join(p.stateDir, 'certs', kept, 'live'))).isDirectory());
    assert.equal((await cli(p, ['stop'])).code, 0);
  } finally {
    await destroyProject(p);
  }
});
