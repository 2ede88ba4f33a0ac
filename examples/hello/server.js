// A tiny web app for slipway's demo and tests: no dependencies, listens on $PORT.
//   GET /health      200 "ok" (503 when HELLO_MODE=unhealthy)
//   GET /            "hello from <version>" (500 when HELLO_MODE=error; a share HELLO_FAIL_RATE, default 5%, when flaky)
//   GET /slow?ms=N   answers after N ms
//   GET /ws          websocket: sends "tick <version> <n>" every 200 ms
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';

const version = readFileSync(new URL('./version.txt', import.meta.url), 'utf8').trim();
const mode = process.env.HELLO_MODE ?? 'normal';
const port = Number(process.env.PORT ?? 3000);

let refusals = 0;

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://app');
  if (url.pathname === '/health') {
    if (mode === 'unhealthy') {
      // The first refusal, then every tenth: the start-up lines stay in a short log tail.
      refusals += 1;
      if (refusals % 10 === 1) console.error(`health check refused (${refusals}): HELLO_MODE=${mode}`);
    }
    res.writeHead(mode === 'unhealthy' ? 503 : 200, { 'content-type': 'text/plain' });
    return res.end(mode === 'unhealthy' ? 'not ready' : 'ok');
  }
  if (url.pathname === '/slow') {
    const ms = Math.min(Number(url.searchParams.get('ms') ?? 1000), 30_000);
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`slow ${version} ${ms}`);
    }, ms);
    return;
  }
  if (mode === 'error' || (mode === 'flaky' && Math.random() < Number(process.env.HELLO_FAIL_RATE ?? 0.05))) {
    res.writeHead(500, { 'content-type': 'text/plain' });
    return res.end(`broken ${version}`);
  }
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`hello from ${version}\n`);
});

server.on('upgrade', (req, socket) => {
  const key = req.headers['sec-websocket-key'];
  if (!key || new URL(req.url ?? '/', 'http://app').pathname !== '/ws') return socket.destroy();
  const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  let n = 0;
  const timer = setInterval(() => {
    const payload = Buffer.from(`tick ${version} ${n++}`);
    socket.write(Buffer.concat([Buffer.from([0x81, payload.length]), payload]));
  }, 200);
  socket.on('data', () => undefined);
  socket.on('close', () => clearInterval(timer));
  socket.on('error', () => clearInterval(timer));
});

server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => console.log(`hello ${version} listening on 127.0.0.1:${port} (mode ${mode})`));

// Graceful stop: finish in-flight requests, then exit.
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
