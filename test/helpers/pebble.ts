import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/lib/free-port.js';
import { createRootCa, signLeaf } from '../../src/certs/x509-adapter.js';

export interface Pebble {
  readonly directoryUrl: string;
  /** The throwaway CA of pebble's own HTTPS listener (tls.acme.caBundle). */
  readonly caBundle: string;
  /** The root pebble issues under (changes every start). */
  issuingRoot(): Promise<string>;
  /** Stops pebble (the resolver stays) — "the ACME server is down". */
  stopPebble(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * pebble + pebble-challtestsrv on loopback (the REAL-COMPONENTS recipe): every name resolves
 * to 127.0.0.1, HTTP-01 is validated against `httpPort` (the proxy's). Both are stopped by pid.
 */
export async function startPebble(options: {
  httpPort: number;
  tlsPort?: number;
  validitySeconds?: number;
  /** A DNS server of the test's own (host:port) instead of pebble-challtestsrv: every lookup (DNS-01 TXT) goes there; authorizations are never reused. */
  dnsServer?: string;
}): Promise<Pebble> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-pebble-'));
  const ca = await createRootCa('pebble listener test CA', 2);
  const leaf = await signLeaf(ca, ['localhost', '127.0.0.1'], { days: 2 });
  await writeFile(join(dir, 'cert.pem'), leaf.certPem);
  await writeFile(join(dir, 'key.pem'), leaf.keyPem);
  const [acmePort, mgmtPort, dnsPort, challMgmt] = [await freePort(), await freePort(), await freePort(), await freePort()];
  await writeFile(
    join(dir, 'pebble.json'),
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${acmePort}`,
        managementListenAddress: `127.0.0.1:${mgmtPort}`,
        certificate: join(dir, 'cert.pem'),
        privateKey: join(dir, 'key.pem'),
        httpPort: options.httpPort,
        tlsPort: options.tlsPort ?? 5001,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
        ...(options.validitySeconds ? { certificateValidityPeriod: options.validitySeconds } : {}),
      },
    }),
  );
  const children: ChildProcess[] = [];
  const logs: string[] = [];
  const start = (cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (c: Buffer) => logs.push(c.toString()));
    child.stderr?.on('data', (c: Buffer) => logs.push(c.toString()));
    children.push(child);
    return child;
  };
  const stopChild = async (child: ChildProcess): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(child.pid, 'SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
  };
  if (!options.dnsServer) {
    start('pebble-challtestsrv', ['-defaultIPv4', '127.0.0.1', '-defaultIPv6', '', '-dns01', `127.0.0.1:${dnsPort}`, '-http01', '', '-https01', '', '-tlsalpn01', '', '-management', `127.0.0.1:${challMgmt}`]);
  }
  const pebble = start('pebble', ['-config', join(dir, 'pebble.json'), '-dnsserver', options.dnsServer ?? `127.0.0.1:${dnsPort}`], {
    PEBBLE_VA_NOSLEEP: '1',
    PEBBLE_WFE_NONCEREJECT: '0',
    ...(options.dnsServer ? { PEBBLE_AUTHZREUSE: '0' } : {}),
  });
  const agent = new Agent({ ca: ca.certPem });
  const get = (url: string): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = request(url, { agent }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
  const stop = async (): Promise<void> => {
    for (const c of children) await stopChild(c);
    agent.destroy();
    await rm(dir, { recursive: true, force: true });
  };
  const directoryUrl = `https://localhost:${acmePort}/dir`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await get(directoryUrl).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`pebble did not start:\n${logs.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    directoryUrl,
    caBundle: ca.certPem,
    issuingRoot: async () => (await get(`https://localhost:${mgmtPort}/roots/0`)).body,
    stopPebble: () => stopChild(pebble),
    stop,
  };
}
