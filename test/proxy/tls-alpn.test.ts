// TLS-ALPN-01 (RFC 8737) on the proxy's HTTPS port: a handshake that offers only acme-tls/1 for
// a host with a pending challenge gets the challenge certificate (SAN = the host, critical
// acmeIdentifier = SHA-256 of the key authorization) and acme-tls/1; ordinary clients of the
// same host keep getting the real certificate and h2; no challenge pending, nothing changes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertStore } from '../../src/certs/cert-store.js';
import { parseClientHello } from '../../src/proxy/client-hello.js';
import type { TlsEntry } from '../../src/proxy/protocol.js';
import { leafFor, testCa } from '../helpers/cert-fixtures.js';
import { makeTable, startTestProxy, startUpstream, type TestProxy, type Upstream } from '../helpers/proxy-fixtures.js';

const HOST = 'app.example.com';
const KEY_AUTHORIZATION = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI';
let dir: string;
let upstream: Upstream;
let proxy: TestProxy;
let httpsPort = 0;
let httpPort = 0;
let version = 0;
let tls: TlsEntry[] = [];
let realSerial = '';

async function push(alpnChallenges?: Record<string, string>): Promise<void> {
  const table = makeTable(++version, { web: { targets: [{ id: 'a', release: 'r1', port: upstream.port }] } });
  const ack = await proxy.client.putTable({ ...table, listen: { host: '127.0.0.1', http: httpPort, https: httpsPort }, tls, ...(alpnChallenges ? { alpnChallenges } : {}) });
  httpPort = ack.httpPort;
  httpsPort = ack.httpsPort ?? 0;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-alpn-'));
  upstream = await startUpstream('app');
  proxy = await startTestProxy();
  const ca = await testCa();
  const stored = await new CertStore(join(dir, 'certs')).install(HOST, { ...(await leafFor(ca, [HOST])), hosts: [HOST], source: 'files' });
  realSerial = stored.summary.serial;
  tls = [{ hosts: [HOST], certFile: stored.certFile, keyFile: stored.keyFile, redirectHttp: true }];
  await push();
});
after(async () => {
  await proxy?.stop();
  await upstream?.close();
  await rm(dir, { recursive: true, force: true });
});

type Seen = { alpn: string | false; cert: X509Certificate | undefined } | { error: string };

function hello(servername: string, protocols: string[]): Promise<Seen> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: httpsPort, servername, ALPNProtocols: protocols, rejectUnauthorized: false }, () => {
      const seen = { alpn: socket.alpnProtocol ?? false, cert: socket.getPeerX509Certificate() };
      socket.destroy();
      resolve(seen);
    });
    socket.on('error', (err) => resolve({ error: err.message }));
  });
}

/** The DER of the extension RFC 8737 asks for: OID 1.3.6.1.5.5.7.1.31, critical, OCTET STRING(OCTET STRING(sha256)). */
function acmeIdentifierDer(keyAuthorization: string): Buffer {
  const digest = createHash('sha256').update(keyAuthorization).digest();
  return Buffer.concat([Buffer.from('06082b0601050507011f0101ff04220420', 'hex'), digest]);
}

test('a pending challenge answers acme-tls/1 handshakes with the challenge certificate; other clients are unaffected', async () => {
  await push({ [HOST]: KEY_AUTHORIZATION });
  const acme = await hello(HOST, ['acme-tls/1']);
  assert.ok(!('error' in acme), JSON.stringify(acme));
  assert.equal(acme.alpn, 'acme-tls/1');
  assert.ok(acme.cert);
  assert.equal(acme.cert.subjectAltName, `DNS:${HOST}`);
  assert.ok(acme.cert.checkIssued(acme.cert), 'self-signed');
  assert.ok(acme.cert.raw.includes(acmeIdentifierDer(KEY_AUTHORIZATION)), 'critical acmeIdentifier with the SHA-256 of the key authorization');
  assert.notEqual(acme.cert.serialNumber.toLowerCase(), realSerial);

  const browser = await hello(HOST, ['h2', 'http/1.1']);
  assert.ok(!('error' in browser), JSON.stringify(browser));
  assert.equal(browser.alpn, 'h2');
  assert.equal(browser.cert?.serialNumber.toLowerCase(), realSerial, 'ordinary clients get the real certificate during the challenge');
  const noAlpn = await hello(HOST, []);
  assert.ok(!('error' in noAlpn) && noAlpn.cert?.serialNumber.toLowerCase() === realSerial);

  const other = await hello('other.example.com', ['acme-tls/1']);
  assert.ok('error' in other || other.alpn !== 'acme-tls/1', 'no answer for a host without a challenge');

  await push();
  const after = await hello(HOST, ['acme-tls/1']);
  assert.ok('error' in after || (after.alpn !== 'acme-tls/1' && after.cert?.serialNumber.toLowerCase() === realSerial), `withdrawn: ${JSON.stringify(after)}`);
});

test('the ClientHello reader finds SNI and ALPN, and gives up on anything else', async () => {
  const captured = await new Promise<Buffer>((resolve, reject) => {
    import('node:net').then(({ createServer }) => {
      const server = createServer((s) => s.once('data', (d: Buffer) => (resolve(d), s.destroy(), server.close())));
      server.listen(0, '127.0.0.1', () => {
        const port = (server.address() as import('node:net').AddressInfo).port;
        const c = connect({ host: '127.0.0.1', port, servername: 'Mixed.Example.COM', ALPNProtocols: ['acme-tls/1', 'h2'] });
        c.on('error', () => undefined);
      });
    }, reject);
  });
  assert.deepEqual(parseClientHello(captured), { servername: 'mixed.example.com', alpn: ['acme-tls/1', 'h2'] });
  assert.equal(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n\r\n')), undefined);
  assert.equal(parseClientHello(captured.subarray(0, 60)), undefined, 'a truncated hello');
});
