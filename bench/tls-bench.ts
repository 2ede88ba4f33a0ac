/**
 * TLS through slipway's proxy against nginx with the same certificate, in the same run, on
 * 127.0.0.1: requests/s over keep-alive HTTPS connections, and new handshakes/s (every request
 * on a new connection: `Connection: close`, a full TLS handshake each, no resumption). The app
 * is a node:http server answering 100 bytes. Load: wrk (64 connections keep-alive, 32 for
 * handshakes). Certificate: ECDSA P-256 (what slipway's local CA and ACME orders use), TLS
 * 1.2/1.3 with Mozilla's intermediate suites on both proxies. Raw figures: bench/results/tls.json.
 *
 *   node --import tsx bench/tls-bench.ts [--duration 10] [--connections 64] [--handshake-connections 32]
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnProxy } from '../src/proxy/launch.js';
import { ProxyClient } from '../src/proxy/client.js';
import { proxyPaths } from '../src/proxy/paths.js';
import { INTERMEDIATE_TLS12_CIPHERS } from '../src/proxy/tls-policy.js';
import { createRootCa, signLeaf } from '../src/certs/x509-adapter.js';
import { freePort } from '../src/lib/free-port.js';
import { REPO_ROOT } from './bench-project.js';

interface Result {
  readonly name: string;
  readonly mode: 'keep-alive' | 'handshakes';
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    'handshake-connections': { type: 'string', default: '32' },
  },
});
const BODY = Buffer.alloc(100, 'x');
const HOST = 'bench.localhost';
const execFileAsync = promisify(execFile);
const clients = new Set<ChildProcess>();

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : n;
}

async function wrk(name: string, mode: Result['mode'], port: number, durationS: string): Promise<Result> {
  const conns = mode === 'keep-alive' ? (values.connections ?? '64') : (values['handshake-connections'] ?? '32');
  const args = ['-t', '1', '-c', conns, '-d', `${durationS}s`, '--latency', ...(mode === 'handshakes' ? ['-H', 'Connection: close'] : []), `https://127.0.0.1:${port}/`];
  const run = execFileAsync('wrk', args, { encoding: 'utf8' });
  clients.add(run.child);
  const { stdout: out } = await run.finally(() => clients.delete(run.child));
  const lat = (q: string): number => {
    const m = new RegExp(`^\\s+${q}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out);
    return m ? toMs(m[1] ?? '0', m[2] ?? 'ms') : NaN;
  };
  const errors = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0) + (/Socket errors:[^\n]*/.exec(out)?.[0].match(/\d+/g) ?? []).map(Number).reduce((a, b) => a + b, 0);
  return { name, mode, rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0), p50: lat('50'), p99: lat('99'), errors };
}

/** The serial a TLS client sees on `port`: every target must serve the same certificate. */
function servedSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, servername: HOST, rejectUnauthorized: false }, () => {
      const serial = s.getPeerX509Certificate()?.serialNumber ?? '';
      s.destroy();
      resolve(serial);
    });
    s.on('error', reject);
  });
}

async function waitForTls(port: number): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const serial = await servedSerial(port).catch(() => '');
    if (serial) return serial;
    if (Date.now() > deadline) throw new Error(`no TLS on port ${port}`);
    await sleep(50);
  }
}

async function main(): Promise<void> {
  if (!have('wrk') || !have('nginx')) throw new Error('wrk and nginx are needed: run bash bench/tls.sh (it installs them)');
  const dir = await mkdtemp(join(tmpdir(), 'slipway-tls-bench-'));
  const children: ChildProcess[] = [];
  const pids: number[] = [];
  const app = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
    res.end(BODY);
  });
  app.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  const appPort = (app.address() as AddressInfo).port;
  const stopAll = async (): Promise<void> => {
    for (const c of clients) c.kill('SIGTERM');
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    for (const pid of pids) signal(pid, 'SIGTERM');
    app.closeAllConnections();
    app.close();
    await sleep(500);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const pid of pids) signal(pid, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
  };
  const onSignal = (): void => void stopAll().finally(() => process.exit(130));
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    const ca = await createRootCa('slipway bench CA', 2);
    const leaf = await signLeaf(ca, [HOST, '127.0.0.1'], { days: 2 });
    const certFile = join(dir, 'fullchain.pem');
    const keyFile = join(dir, 'privkey.pem');
    await writeFile(certFile, leaf.certPem + ca.certPem);
    await writeFile(keyFile, leaf.keyPem, { mode: 0o600 });
    const targets: Array<{ name: string; port: number }> = [];

    const slipwayPort = await freePort();
    const { pid } = await spawnProxy({ stateDir: dir, logFile: join(dir, 'proxy.log') });
    pids.push(pid);
    await new ProxyClient(proxyPaths(dir).socket).putTable({
      version: 1,
      listen: { host: '127.0.0.1', http: await freePort(), https: slipwayPort },
      routes: [{ host: '*', path: '/', service: 'app' }],
      services: { app: { drainMs: 1000, health: { path: '/', intervalMs: 5000, timeoutMs: 1000, rise: 1, fall: 3 }, targets: [{ id: 'app-1', release: 'r1', port: appPort }] } },
      tls: [{ hosts: [HOST, '127.0.0.1'], certFile, keyFile, redirectHttp: false }],
    });
    targets.push({ name: 'slipway', port: slipwayPort });

    for (const workers of [1, 2]) {
      const port = await freePort();
      const prefix = join(dir, `nginx-${workers}`);
      const conf = join(dir, `nginx-${workers}.conf`);
      await writeFile(
        conf,
        `worker_processes ${workers};
daemon off;
pid ${prefix}.pid;
error_log ${prefix}.error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  upstream app { server 127.0.0.1:${appPort}; keepalive 128; }
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${certFile};
    ssl_certificate_key ${keyFile};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers ${INTERMEDIATE_TLS12_CIPHERS.join(':')};
    ssl_prefer_server_ciphers off;
    ssl_ecdh_curve X25519:prime256v1:secp384r1;
    ssl_session_cache off;
    ssl_session_tickets off;
    keepalive_timeout 65s;
    keepalive_requests 1000000;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`,
      );
      children.push(spawn('nginx', ['-p', dir, '-c', conf], { stdio: 'ignore' }));
      targets.push({ name: `nginx-${workers}w`, port });
    }
    const serials = await Promise.all(targets.map((t) => waitForTls(t.port)));
    if (new Set(serials).size !== 1) throw new Error(`targets serve different certificates: ${serials.join(', ')}`);

    const results: Result[] = [];
    for (const mode of ['keep-alive', 'handshakes'] as const) {
      for (const t of targets) {
        await wrk(t.name, mode, t.port, '2'); // warm-up
        results.push(await wrk(t.name, mode, t.port, values.duration ?? '10'));
      }
    }
    report(results);
    await mkdir(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
    const file = join(REPO_ROOT, 'bench', 'results', 'tls.json');
    await writeFile(file, `${JSON.stringify({ date: new Date().toISOString(), machine: { cpus: cpus().length, node: process.version }, wrk: { ...values }, results }, null, 1)}\n`);
    console.log(`results written to ${file}`);
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    await stopAll();
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone
  }
}

function report(results: Result[]): void {
  const pad = (s: string, n: number): string => s.padEnd(n);
  for (const mode of ['keep-alive', 'handshakes'] as const) {
    const rows = results.filter((r) => r.mode === mode);
    const slipway = rows.find((r) => r.name === 'slipway');
    const best = Math.max(...rows.filter((r) => r.name.startsWith('nginx')).map((r) => r.rps));
    console.log(`\n${mode === 'keep-alive' ? `HTTPS keep-alive, wrk -c${values.connections}` : `new TLS handshake per request (Connection: close), wrk -c${values['handshake-connections']}`}, ${values.duration} s`);
    console.log(`${pad('target', 12)}${pad('req/s', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('errors', 8)}slipway÷this`);
    for (const r of rows) {
      console.log(`${pad(r.name, 12)}${pad(r.rps.toFixed(0), 10)}${pad(r.p50.toFixed(2), 9)}${pad(r.p99.toFixed(2), 9)}${pad(String(r.errors), 8)}${slipway && r.rps > 0 ? (slipway.rps / r.rps).toFixed(2) : '-'}`);
    }
    if (slipway && best > 0) console.log(`slipway ÷ best nginx = ${(slipway.rps / best).toFixed(2)}`);
  }
}

await main();
