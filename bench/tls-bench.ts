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
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRootCa, signLeaf } from '../src/certs/x509-adapter.js';
import { freePort } from '../src/lib/free-port.js';
import { have, printRows, startNginx, withRig, wrk, writeResults, type Rig, type Row } from './proxy-rig.js';

interface Result extends Row {
  readonly mode: 'keep-alive' | 'handshakes';
}

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    'handshake-connections': { type: 'string', default: '32' },
  },
});
const HOST = 'bench.localhost';

async function measure(rig: Rig, name: string, mode: Result['mode'], port: number, durationS: string): Promise<Result> {
  const conns = mode === 'keep-alive' ? (values.connections ?? '64') : (values['handshake-connections'] ?? '32');
  const args = ['-t', '1', '-c', conns, '-d', `${durationS}s`, '--latency', ...(mode === 'handshakes' ? ['-H', 'Connection: close'] : []), `https://127.0.0.1:${port}/`];
  const w = await wrk(rig, args);
  return { name, mode, rps: w.rps, p50: w.p50, p99: w.p99, errors: w.non2xx + w.socketErrors.reduce((a, b) => a + b, 0) };
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
  await withRig('slipway-tls-bench-', async (rig) => {
    const { dir } = rig;
    const ca = await createRootCa('slipway bench CA', 2);
    const leaf = await signLeaf(ca, [HOST, '127.0.0.1'], { days: 2 });
    const certFile = join(dir, 'fullchain.pem');
    const keyFile = join(dir, 'privkey.pem');
    await writeFile(certFile, leaf.certPem + ca.certPem);
    await writeFile(keyFile, leaf.keyPem, { mode: 0o600 });
    const targets: Array<{ name: string; port: number }> = [];

    const slipwayPort = await freePort();
    await rig.startSlipway({ http: await freePort(), https: slipwayPort }, [{ hosts: [HOST, '127.0.0.1'], certFile, keyFile, redirectHttp: false }]);
    targets.push({ name: 'slipway', port: slipwayPort });
    for (const workers of [1, 2]) targets.push({ name: `nginx-${workers}w`, port: await startNginx(rig, workers, { certFile, keyFile }) });
    const serials = await Promise.all(targets.map((t) => waitForTls(t.port)));
    if (new Set(serials).size !== 1) throw new Error(`targets serve different certificates: ${serials.join(', ')}`);

    const results: Result[] = [];
    for (const mode of ['keep-alive', 'handshakes'] as const) {
      for (const t of targets) {
        await measure(rig, t.name, mode, t.port, '2'); // warm-up
        results.push(await measure(rig, t.name, mode, t.port, values.duration ?? '10'));
      }
    }
    report(results);
    await writeResults('tls', { wrk: { ...values }, results });
  });
}

function report(results: Result[]): void {
  for (const mode of ['keep-alive', 'handshakes'] as const) {
    const rows = results.filter((r) => r.mode === mode);
    const slipway = rows.find((r) => r.name === 'slipway');
    const best = Math.max(...rows.filter((r) => r.name.startsWith('nginx')).map((r) => r.rps));
    console.log(`\n${mode === 'keep-alive' ? `HTTPS keep-alive, wrk -c${values.connections}` : `new TLS handshake per request (Connection: close), wrk -c${values['handshake-connections']}`}, ${values.duration} s`);
    printRows(rows);
    if (slipway && best > 0) console.log(`slipway ÷ best nginx = ${(slipway.rps / best).toFixed(2)}`);
  }
}

await main();
