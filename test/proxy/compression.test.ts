import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, createGunzip, gunzipSync, gzipSync } from 'node:zlib';
import type { ServiceTable } from '../../src/proxy/protocol.js';
import { negotiateEncoding } from '../../src/proxy/response-policy/compression.js';
import { makeTable, startTestProxy, startUpstream, type TestProxy, type Upstream } from '../helpers/proxy-fixtures.js';

const TEXT = Buffer.from('<p>slipway compresses text on the way out. </p>\n'.repeat(400));
const JSON_BODY = Buffer.from(JSON.stringify({ items: Array.from({ length: 300 }, (_, i) => ({ id: i, name: `item ${i}` })) }));
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), randomBytes(8000)]);
const GZIPPED = gzipSync(TEXT);

let app: Upstream;
let proxy: TestProxy;
let port = 0;
let version = 0;
let releaseStream: (() => void) | undefined;

before(async () => {
  app = await startUpstream('app', (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    switch (path) {
      case '/text':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': TEXT.length, etag: '"v1"' });
        return void res.end(TEXT);
      case '/json':
        res.writeHead(200, { 'content-type': 'application/json', vary: 'Origin' });
        return void res.end(JSON_BODY);
      case '/png':
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': PNG.length });
        return void res.end(PNG);
      case '/encoded':
        res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip', 'content-length': GZIPPED.length });
        return void res.end(GZIPPED);
      case '/no-transform':
        res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'public, no-transform' });
        return void res.end(TEXT);
      case '/small':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 11 });
        return void res.end('hello world');
      case '/partial':
        res.writeHead(206, { 'content-type': 'text/plain', 'content-range': `bytes 0-999/${TEXT.length}`, 'content-length': 1000 });
        return void res.end(TEXT.subarray(0, 1000));
      case '/stream':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first chunk;');
        releaseStream = () => res.end('last chunk');
        return;
      default:
        res.writeHead(404);
        res.end();
    }
  });
  proxy = await startTestProxy();
  await push({ compress: true });
});

after(async () => {
  releaseStream?.();
  await proxy?.stop();
  await app?.close();
});

async function push(policy: Partial<ServiceTable>): Promise<void> {
  const table = makeTable(++version, { web: { targets: [{ id: 'a1', release: 'r1', port: app.port }] } }, { port });
  Object.assign(table.services['web'] ?? {}, policy);
  port = (await proxy.client.putTable(table)).httpPort;
}

interface Got {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

function get(path: string, headers: Record<string, string>, method = 'GET'): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('text is gzip-compressed for a gzip client and decodes to the same bytes', async () => {
  const res = await get('/text', { 'accept-encoding': 'gzip' });
  assert.equal(res.headers['content-encoding'], 'gzip');
  assert.equal(res.headers['content-length'], undefined);
  assert.equal(res.headers['vary'], 'Accept-Encoding');
  assert.equal(res.headers['etag'], 'W/"v1"', 'a strong ETag is weakened: the bytes differ from the app\'s');
  assert.ok(res.body.length < TEXT.length / 5, `compressed ${res.body.length} of ${TEXT.length}`);
  assert.deepEqual(gunzipSync(res.body), TEXT);
});

test('brotli is preferred when the client accepts it, and decodes to the same bytes', async () => {
  const res = await get('/json', { 'accept-encoding': 'gzip, deflate, br' });
  assert.equal(res.headers['content-encoding'], 'br');
  assert.equal(res.headers['vary'], 'Origin, Accept-Encoding');
  assert.deepEqual(brotliDecompressSync(res.body), JSON_BODY);
});

test("the client's q-values choose the coding", async () => {
  assert.equal((await get('/text', { 'accept-encoding': 'br;q=0.5, gzip' })).headers['content-encoding'], 'gzip');
  assert.equal((await get('/text', { 'accept-encoding': 'br, gzip;q=0' })).headers['content-encoding'], 'br');
  const none = await get('/text', { 'accept-encoding': 'br;q=0, gzip;q=0, identity' });
  assert.equal(none.headers['content-encoding'], undefined);
  assert.deepEqual(none.body, TEXT);
  assert.equal(negotiateEncoding('*'), 'br');
  assert.equal(negotiateEncoding('*;q=0.1, br;q=0'), 'gzip');
  assert.equal(negotiateEncoding('deflate'), undefined);
  assert.equal(negotiateEncoding(undefined), undefined);
});

test('a client that accepts no coding gets the original body, with Vary so caches keep both', async () => {
  const res = await get('/text', {});
  assert.equal(res.headers['content-encoding'], undefined);
  assert.equal(res.headers['content-length'], String(TEXT.length));
  assert.equal(res.headers['vary'], 'Accept-Encoding');
  assert.equal(res.headers['etag'], '"v1"');
  assert.deepEqual(res.body, TEXT);
});

test('images, already-encoded bodies, no-transform and small bodies go out untouched', async () => {
  const png = await get('/png', { 'accept-encoding': 'gzip, br' });
  assert.equal(png.headers['content-encoding'], undefined);
  assert.equal(png.headers['content-length'], String(PNG.length));
  assert.equal(png.headers['vary'], undefined);
  assert.deepEqual(png.body, PNG);

  const encoded = await get('/encoded', { 'accept-encoding': 'gzip, br' });
  assert.equal(encoded.headers['content-encoding'], 'gzip');
  assert.equal(encoded.headers['content-length'], String(GZIPPED.length));
  assert.deepEqual(encoded.body, GZIPPED, 'the app\'s gzip body is relayed byte for byte, not compressed twice');

  const noTransform = await get('/no-transform', { 'accept-encoding': 'gzip, br' });
  assert.equal(noTransform.headers['content-encoding'], undefined);
  assert.deepEqual(noTransform.body, TEXT);

  const small = await get('/small', { 'accept-encoding': 'gzip, br' });
  assert.equal(small.headers['content-encoding'], undefined);
  assert.equal(small.body.toString(), 'hello world');
});

test('ranges and HEAD go out untouched', async () => {
  const ranged = await get('/text', { 'accept-encoding': 'gzip, br', range: 'bytes=0-99' });
  assert.equal(ranged.headers['content-encoding'], undefined, 'a request with Range is not compressed');
  assert.deepEqual(ranged.body, TEXT);

  const partial = await get('/partial', { 'accept-encoding': 'gzip, br' });
  assert.equal(partial.status, 206);
  assert.equal(partial.headers['content-encoding'], undefined);
  assert.equal(partial.headers['content-length'], '1000');
  assert.deepEqual(partial.body, TEXT.subarray(0, 1000));

  const head = await get('/text', { 'accept-encoding': 'gzip, br' }, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-encoding'], undefined);
  assert.equal(head.headers['content-length'], String(TEXT.length));
  assert.equal(head.body.length, 0);
});

test('compression streams: a chunk the app sends reaches the client before the app ends', { timeout: 10_000 }, async () => {
  const firstDecoded = await new Promise<string>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/stream', headers: { 'accept-encoding': 'gzip' }, agent: false }, (res) => {
      assert.equal(res.headers['content-encoding'], 'gzip');
      const gunzip = createGunzip();
      res.pipe(gunzip);
      let text = '';
      gunzip.on('data', (c: Buffer) => {
        text += c.toString();
        if (text === 'first chunk;') {
          resolve(text);
          releaseStream?.();
        }
      });
      gunzip.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(firstDecoded, 'first chunk;');
});

test('compress: false relays every body as the app sent it', async () => {
  await push({ compress: false });
  try {
    const res = await get('/text', { 'accept-encoding': 'gzip, br' });
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(res.headers['vary'], undefined);
    assert.deepEqual(res.body, TEXT);
  } finally {
    await push({ compress: true });
  }
});
