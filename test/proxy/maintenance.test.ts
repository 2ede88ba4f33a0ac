import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { heldByMaintenance, sendMaintenancePage } from '../../src/proxy/maintenance.js';
import type { ServiceTable } from '../../src/proxy/protocol.js';
import { httpAnswer, type HttpAnswer } from '../helpers/http-answer.js';

const base: ServiceTable = { health: { path: '/h', intervalMs: 1000, timeoutMs: 500, rise: 1, fall: 1 }, drainMs: 1000, targets: [] };

test('heldByMaintenance: off, on for everyone, allowlisted IPs and CIDRs (IPv4, IPv4-mapped, IPv6)', () => {
  assert.equal(heldByMaintenance(base, '203.0.113.7'), false);
  const all: ServiceTable = { ...base, maintenance: { allow: [] } };
  assert.equal(heldByMaintenance(all, '127.0.0.1'), true);
  const some: ServiceTable = { ...base, maintenance: { allow: ['203.0.113.7', '10.0.0.0/8', '2001:db8::/32'] } };
  assert.equal(heldByMaintenance(some, '203.0.113.7'), false);
  assert.equal(heldByMaintenance(some, '::ffff:203.0.113.7'), false);
  assert.equal(heldByMaintenance(some, '203.0.113.8'), true);
  assert.equal(heldByMaintenance(some, '10.200.3.4'), false);
  assert.equal(heldByMaintenance(some, '11.0.0.1'), true);
  assert.equal(heldByMaintenance(some, '2001:db8::1'), false);
  assert.equal(heldByMaintenance(some, '2001:db9::1'), true);
  assert.equal(heldByMaintenance(some, 'not-an-address'), true);
});

async function serve(accept: string | undefined, method = 'GET', message?: string): Promise<HttpAnswer> {
  const server: Server = createServer((_req, res) => sendMaintenancePage(res, 'req-1', accept, message));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await httpAnswer({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, method, agent: false });
  } finally {
    server.close();
  }
}

test('the maintenance page: 503, Retry-After, no-store, escaped message in HTML, JSON when preferred, no body for HEAD', async () => {
  const html = await serve('text/html', 'GET', '<script>alert(1)</script> & co');
  assert.equal(html.status, 503);
  assert.equal(html.headers['retry-after'], '120');
  assert.equal(html.headers['cache-control'], 'no-store');
  assert.equal(html.headers['x-request-id'], 'req-1');
  assert.match(String(html.headers['content-type']), /^text\/html/);
  assert.ok(!html.body.includes('<script>'));
  assert.ok(html.body.includes('&#60;script&#62;alert(1)&#60;/script&#62; &#38; co'));
  const json = await serve('application/json', 'GET', 'back soon');
  assert.deepEqual(JSON.parse(json.body), { error: { status: 503, title: 'Service Unavailable', maintenance: true, message: 'back soon', requestId: 'req-1' } });
  const fallback = await serve(undefined);
  assert.match(fallback.body, /down for maintenance/);
  const head = await serve(undefined, 'HEAD');
  assert.equal(head.status, 503);
  assert.equal(head.body, '');
});
