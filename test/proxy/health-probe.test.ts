import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { probeHttp } from '../../src/lib/health-probe.js';
import { startUpstream, type Upstream } from '../helpers/proxy-fixtures.js';
import { freePort } from '../helpers/proxy-ports.js';

let app: Upstream;
before(async () => {
  app = await startUpstream('probe', (req, res) => {
    if (req.url === '/ok') res.end('fine');
    else if (req.url === '/redirect') res.writeHead(302, { location: '/ok' }).end();
    else if (req.url === '/hang') return;
    else res.writeHead(500).end('boom');
  });
});
after(() => app.close());

const probe = (path: string, timeoutMs = 1000) => probeHttp({ host: '127.0.0.1', port: app.port, path, timeoutMs });

test('2xx and 3xx pass', async () => {
  assert.deepEqual({ ...(await probe('/ok')), ms: 0 }, { ok: true, status: 200, ms: 0 });
  assert.equal((await probe('/redirect')).ok, true);
});

test('5xx fails with the status', async () => {
  const r = await probe('/fail');
  assert.deepEqual([r.ok, r.status, r.error], [false, 500, 'HTTP 500']);
});

test('refused and timeout fail with a reason', async () => {
  const refused = await probeHttp({ host: '127.0.0.1', port: await freePort(), path: '/', timeoutMs: 1000 });
  assert.deepEqual([refused.ok, refused.error], [false, 'ECONNREFUSED']);
  const slow = await probe('/hang', 150);
  assert.equal(slow.ok, false);
  assert.match(slow.error ?? '', /timeout after 150 ms/);
  assert.ok(slow.ms >= 140);
});

test('an abort signal ends the probe', async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 50);
  const r = await probeHttp({ host: '127.0.0.1', port: app.port, path: '/hang', timeoutMs: 5000, signal: ac.signal });
  assert.deepEqual([r.ok, r.error], [false, 'aborted']);
});
