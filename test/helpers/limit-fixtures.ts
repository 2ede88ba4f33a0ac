/** Clients and an app for the limit tests (plain and HTTPS): slowloris, idle watching, body counting. */
import assert from 'node:assert/strict';
import type { Handler } from './proxy-fixtures.js';
import { connect, type Socket } from 'node:net';

/** Resolves with what was received and the ms from `startedAt` until the peer closed the connection. */
export function untilClosed(socket: Socket, startedAt: number): Promise<{ data: string; ms: number }> {
  return new Promise((resolve) => {
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => (data += c));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ data, ms: Date.now() - startedAt }));
  });
}

/**
 * Slowloris: a request head begun and never finished, a byte every 200 ms keeping the
 * connection busy. Asserts the proxy answers 408 and closes once the header timeout has
 * passed (with the check interval's slack), not before.
 */
export async function assertSlowHeadCut(socket: Socket, host: string, headerTimeoutMs: number): Promise<void> {
  const closed = untilClosed(socket, Date.now());
  socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n`);
  const drip = setInterval(() => socket.writable && socket.write('X-Drip: 1\r\n'), 200);
  try {
    const { data, ms } = await closed;
    assert.match(data, /^HTTP\/1\.1 408 /);
    assert.ok(ms >= headerTimeoutMs - 50, `closed after ${ms} ms, before the header timeout`);
    assert.ok(ms < headerTimeoutMs + 4000, `closed only after ${ms} ms`);
  } finally {
    clearInterval(drip);
  }
}

/** One request on a kept-alive connection, then silence: asserts the proxy closes it after `idleMs` idle. */
export async function assertIdleClosed(socket: Socket, host: string, idleMs: number): Promise<void> {
  const closed = untilClosed(socket, 0);
  let answeredAt = 0;
  socket.once('data', () => (answeredAt = Date.now()));
  socket.write(`GET /idle HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  const { data, ms } = await closed;
  assert.match(data, /^HTTP\/1\.1 200 /);
  const idle = ms - answeredAt;
  assert.ok(idle >= idleMs - 100 && idle < idleMs + 4000, `closed after ${idle} ms idle`);
}

/** The limits both limit tests push: small enough to cross quickly. */
export const TEST_LIMITS = { bodyBytes: 100_000, headerBytes: 4096, headerTimeoutMs: 1000, idleTimeoutMs: 1500, upstreamTimeoutMs: 700, maxConnections: 50 };

/**
 * An app for limit tests: answers `got <bytes>` once the body ended (`/slow` only after 3 s,
 * past the upstream timeout) and records in `received` how many body bytes each URL brought.
 */
export function countingApp(received: Map<string, number>): Handler {
  return (req, res) => {
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('close', () => received.set(req.url ?? '', n));
    req.on('end', () => {
      if (req.url === '/slow') setTimeout(() => res.end('late'), 3000).unref();
      else res.end(`got ${n}`);
    });
  };
}

/** A plain TCP connection to 127.0.0.1:`port`, once connected. */
export function rawConnection(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}
