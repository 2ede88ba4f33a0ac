import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertStore, certNameFor } from '../../src/certs/cert-store.js';
import { LocalCa } from '../../src/certs/local-ca.js';
import { SlipwayError } from '../../src/errors.js';
import { leafFor, testCa } from '../helpers/cert-fixtures.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tempRoot(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'slipway-certs-'));
  dirs.push(d);
  return join(d, 'certs');
}

test('install archives a generation, swaps live, and keeps keys 0600 and directories 0700', async () => {
  const root = await tempRoot();
  const store = new CertStore(root);
  const ca = await testCa();
  const first = await store.install('app.test', { ...(await leafFor(ca, ['app.test'])), hosts: ['app.test'], source: 'files' });
  const second = await store.install('app.test', { ...(await leafFor(ca, ['app.test', 'www.app.test'])), hosts: ['app.test'], source: 'files' });
  assert.equal(first.generation, 1);
  assert.equal(second.generation, 2);
  assert.equal(await readlink(join(root, 'app.test', 'live')), 'archive/2');
  assert.deepEqual((await readdir(join(root, 'app.test', 'archive'))).sort(), ['1', '2']);
  assert.equal((await stat(second.keyFile)).mode & 0o777, 0o600);
  for (const d of [root, join(root, 'app.test'), join(root, 'app.test', 'archive'), join(root, 'app.test', 'archive', '2')]) {
    assert.equal((await stat(d)).mode & 0o777, 0o700, d);
  }
  const live = await store.live('app.test');
  assert.equal(live?.summary.serial, second.summary.serial);
  assert.deepEqual(live?.summary.names, ['app.test', 'www.app.test']);
  assert.deepEqual((await store.list()).map((c) => c.name), ['app.test']);
});

test('a wrong key, an expired certificate and a wrong host are refused with their codes; the old one stays live', async () => {
  const root = await tempRoot();
  const store = new CertStore(root);
  const ca = await testCa();
  const good = await store.install('app.test', { ...(await leafFor(ca, ['app.test'])), hosts: ['app.test'], source: 'files' });
  const other = await leafFor(ca, ['app.test']);
  const cases: Array<[string, () => Promise<unknown>]> = [
    ['SLW_CERT_KEY_MISMATCH', async () => store.install('app.test', { fullchain: (await leafFor(ca, ['app.test'])).fullchain, privkey: other.privkey, hosts: ['app.test'], source: 'files' })],
    ['SLW_CERT_EXPIRED', async () => store.install('app.test', { ...(await leafFor(ca, ['app.test'], { notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) })), hosts: ['app.test'], source: 'files' })],
    ['SLW_CERT_EXPIRED', async () => store.install('app.test', { ...(await leafFor(ca, ['app.test'], { notBefore: new Date(Date.now() + 86_400_000) })), hosts: ['app.test'], source: 'files' })],
    ['SLW_CERT_WRONG_HOST', async () => store.install('app.test', { ...(await leafFor(ca, ['other.test'])), hosts: ['app.test'], source: 'files' })],
    ['SLW_CERT_WRONG_HOST', async () => store.install('app.test', { ...(await leafFor(ca, ['a.app.test'])), hosts: ['*.app.test'], source: 'files' })],
    ['SLW_CERT_UNREADABLE', async () => store.install('app.test', { fullchain: 'not a pem', privkey: other.privkey, hosts: ['app.test'], source: 'files' })],
  ];
  for (const [code, attempt] of cases) {
    await assert.rejects(attempt(), (err: unknown) => err instanceof SlipwayError && err.code === code, code);
  }
  const live = await store.live('app.test');
  assert.equal(live?.summary.serial, good.summary.serial, 'the old certificate stays live');
  assert.deepEqual(await readdir(join(root, 'app.test', 'archive')), ['1'], 'nothing refused was archived');
  assert.equal(certNameFor(['*.app.test', 'app.test']), '_wildcard.app.test');
});

test('a crash between the archive write and the live swap leaves the store consistent', async () => {
  const root = await tempRoot();
  const store = new CertStore(root);
  const ca = await testCa();
  const old = await store.install('app.test', { ...(await leafFor(ca, ['app.test'])), hosts: ['app.test'], source: 'files' });
  const next = await leafFor(ca, ['app.test']);
  const input = join(root, '..', 'next.json');
  await writeFile(input, JSON.stringify(next));
  // A real process killed by SIGKILL at the crash point.
  const script = `
    import { readFileSync } from 'node:fs';
    import { CertStore } from ${JSON.stringify(new URL('../../src/certs/cert-store.ts', import.meta.url).pathname)};
    const pair = JSON.parse(readFileSync(${JSON.stringify(input)}, 'utf8'));
    const store = new CertStore(${JSON.stringify(root)}, { crashPoint: (p) => { if (p === 'archived') process.kill(process.pid, 'SIGKILL'); } });
    await store.install('app.test', { ...pair, hosts: ['app.test'], source: 'files' });`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(child.signal, 'SIGKILL', child.stderr);
  assert.equal(await readlink(join(root, 'app.test', 'live')), 'archive/1', 'live did not move');
  assert.deepEqual((await readdir(join(root, 'app.test', 'archive'))).sort(), ['1', '2'], 'the generation was archived whole');
  // Restart: recover, the live pair is intact, and the next install goes past the orphan.
  const restarted = new CertStore(root);
  await restarted.recover();
  assert.equal((await restarted.live('app.test'))?.summary.serial, old.summary.serial);
  const after = await restarted.install('app.test', { ...next, hosts: ['app.test'], source: 'files' });
  assert.equal(after.generation, 3);
  assert.equal(new X509Certificate(next.fullchain).serialNumber.toLowerCase(), after.summary.serial);
});

test('the local CA is made once per state dir (key 0600) and signs private names only', async () => {
  const root = await tempRoot();
  const ca = new LocalCa(root);
  const pem = await ca.rootPem();
  assert.equal(await new LocalCa(root).rootPem(), pem, 'created once, then reused');
  assert.equal((await stat(join(root, 'ca', 'ca.key'))).mode & 0o777, 0o600);
  assert.equal((await stat(join(root, 'ca'))).mode & 0o777, 0o700);
  const root509 = new X509Certificate(pem);
  assert.equal(root509.ca, true);
  const pair = await ca.issue(['localhost', '*.localhost', 'app.internal', '127.0.0.1']);
  const leaf = new X509Certificate(pair.fullchain);
  assert.ok(leaf.verify(root509.publicKey), 'signed by the root');
  assert.equal(leaf.checkIssued(root509), true);
  const store = new CertStore(root);
  const stored = await store.install('localhost', { ...pair, hosts: ['localhost', '*.localhost', '127.0.0.1'], source: 'internal' });
  assert.equal(stored.source, 'internal');
  await assert.rejects(ca.issue(['example.com']), (err: unknown) => err instanceof SlipwayError && err.code === 'SLW_CERT_NOT_PRIVATE');
  // openssl agrees the chain verifies against the root.
  const dir = join(root, '..');
  await writeFile(join(dir, 'leaf.pem'), pair.fullchain);
  const verify = spawnSync('openssl', ['verify', '-CAfile', ca.certFile, join(dir, 'leaf.pem')], { encoding: 'utf8' });
  assert.equal(verify.status, 0, verify.stderr + verify.stdout);
});
