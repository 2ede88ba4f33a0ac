import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { makeTable, startTestProxy, type TestProxy } from '../helpers/proxy-fixtures.js';

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface WsApp {
  readonly name: string;
  readonly port: number;
  readonly server: Server;
  lastHeaders?: Record<string, string | string[] | undefined>;
}

/** A websocket echo server that prefixes each reply with its name. */
async function wsApp(name: string): Promise<WsApp> {
  const server = createServer((_req, res) => res.end('http'));
  const wss = new WebSocketServer({ server });
  const app: WsApp = { name, port: 0, server };
  wss.on('connection', (socket, req) => {
    app.lastHeaders = req.headers;
    socket.on('message', (data) => socket.send(`${name}:${String(data)}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    for (const c of wss.clients) c.terminate();
    wss.close();
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return Object.assign(app, { port: (server.address() as AddressInfo).port });
}

async function proxy(): Promise<TestProxy> {
  const p = await startTestProxy();
  cleanups.push(() => p.stop());
  return p;
}

const target = (app: WsApp) => ({ id: app.name, release: app.name, port: app.port });

async function connect(port: number): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket`, { headers: { 'x-request-id': 'ws-1' } });
  cleanups.push(() => ws.terminate());
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return ws;
}

function roundTrip(ws: WebSocket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data) => resolve(String(data)));
    ws.send(text, (err) => err && reject(err));
  });
}

test('a websocket is proxied with forwarded headers and survives table swaps that keep its target', async () => {
  const a = await wsApp('a');
  const b = await wsApp('b');
  const p = await proxy();
  const { httpPort } = await p.client.putTable(makeTable(1, { web: { targets: [target(a)] } }));
  const ws = await connect(httpPort);
  assert.equal(await roundTrip(ws, 'hi'), 'a:hi');
  assert.equal(a.lastHeaders?.['x-request-id'], 'ws-1');
  assert.equal(a.lastHeaders?.['x-forwarded-for'], '127.0.0.1');
  assert.equal((await p.client.status()).targets[0]?.websockets, 1);
  await p.client.putTable(makeTable(2, { web: { targets: [target(a), target(b)] } }));
  await p.client.putTable(makeTable(3, { web: { targets: [target(b), target(a)] } }));
  assert.equal(await roundTrip(ws, 'still'), 'a:still');
});

test('a websocket whose target leaves is closed only after drainMs', async () => {
  const a = await wsApp('a');
  const b = await wsApp('b');
  const p = await proxy();
  const { httpPort } = await p.client.putTable(makeTable(1, { web: { drainMs: 600, targets: [target(a)] } }));
  const ws = await connect(httpPort);
  const closed = new Promise<number>((resolve) => ws.once('close', () => resolve(Date.now())));
  const removedAt = Date.now();
  await p.client.putTable(makeTable(2, { web: { drainMs: 600, targets: [target(b)] } }));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await roundTrip(ws, 'draining'), 'a:draining');
  const draining = (await p.client.status()).targets.find((t) => t.id === 'a');
  assert.deepEqual([draining?.inRotation, draining?.websockets], [false, 1]);
  const closedAt = await closed;
  assert.ok(closedAt - removedAt >= 550, `closed after ${closedAt - removedAt} ms`);
  assert.ok(closedAt - removedAt < 2000, `closed after ${closedAt - removedAt} ms`);
  assert.equal((await p.client.status()).targets.some((t) => t.id === 'a'), false);
  const fresh = await connect(httpPort);
  assert.equal(await roundTrip(fresh, 'new'), 'b:new');
});

test('the websocket drain is cancelled when the target comes back into rotation', async () => {
  const a = await wsApp('a');
  const b = await wsApp('b');
  const p = await proxy();
  const { httpPort } = await p.client.putTable(makeTable(1, { web: { drainMs: 400, targets: [target(a)] } }));
  const ws = await connect(httpPort);
  await p.client.putTable(makeTable(2, { web: { drainMs: 400, targets: [target(b)] } }));
  await new Promise((r) => setTimeout(r, 150));
  await p.client.putTable(makeTable(3, { web: { drainMs: 400, targets: [target(a), target(b)] } }));
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(ws.readyState, WebSocket.OPEN);
  assert.equal(await roundTrip(ws, 'back'), 'a:back');
  assert.equal((await p.client.status()).targets.find((t) => t.id === 'a')?.inRotation, true);
});

test('websocket to a service with no healthy target gets 503; unknown host 404', async () => {
  const p = await proxy();
  const { httpPort } = await p.client.putTable(
    makeTable(1, { web: { targets: [] } }, { routes: [{ host: 'ws.test', path: '/', service: 'web' }] }),
  );
  const statusOf = (host: string) =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/`, { headers: { host } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });
  assert.equal(await statusOf('ws.test'), 503);
  assert.equal(await statusOf('other.test'), 404);
});
