/**
 * A real BIND 9 (Debian's `named`) on a loopback port for DNS-01 tests: its own zones, a TSIG
 * key allowed to update TXT records in `zone`, and `locked` (a zone served but closed to every
 * update). Run as `nobody` when the tests run as root (setpriv, no fork: the pid is named's);
 * stopped by pid, even when a test fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as dns } from 'node:dns';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/lib/free-port.js';

export interface Bind {
  readonly port: number;
  readonly zone: string;
  readonly locked: string;
  readonly keyName: string;
  /** base64 TSIG secret (hmac-sha256). */
  readonly keySecret: string;
  /** TXT values at `name`, asked of this server. */
  txt(name: string): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startBind(options: { zone?: string; locked?: string } = {}): Promise<Bind> {
  const zone = options.zone ?? 'example.test';
  const locked = options.locked ?? 'locked.test';
  const dir = await mkdtemp(join(tmpdir(), 'slipway-bind-'));
  const port = await freePort();
  const keyName = 'slipway-acme';
  const keySecret = randomBytes(32).toString('base64');
  const zoneFile = (name: string): string =>
    `$TTL 60\n@ IN SOA ns.${name}. hostmaster.${name}. 1 60 60 600 60\n@ IN NS ns.${name}.\nns IN A 127.0.0.1\n`;
  await writeFile(join(dir, `${zone}.zone`), zoneFile(zone));
  await writeFile(join(dir, `${locked}.zone`), zoneFile(locked));
  await writeFile(
    join(dir, 'named.conf'),
    [
      `options { directory "${dir}"; pid-file none; listen-on port ${port} { 127.0.0.1; }; listen-on-v6 { none; }; recursion no; dnssec-validation no; notify no; };`,
      `key "${keyName}" { algorithm hmac-sha256; secret "${keySecret}"; };`,
      `zone "${zone}" { type primary; file "${dir}/${zone}.zone"; update-policy { grant ${keyName} zonesub TXT; }; };`,
      `zone "${locked}" { type primary; file "${dir}/${locked}.zone"; allow-update { none; }; };`,
      '',
    ].join('\n'),
  );
  const root = process.getuid?.() === 0;
  if (root) {
    // named writes the zone journal (.jnl) beside the zone file: the directory is nobody's.
    await chown(dir, 65534, 65534);
    for (const f of ['named.conf', `${zone}.zone`, `${locked}.zone`]) await chown(join(dir, f), 65534, 65534);
  }
  await chmod(dir, 0o755);
  const argv = ['named', '-g', '-c', join(dir, 'named.conf')];
  const [cmd, ...args] = root ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', ...argv] : argv;
  const child: ChildProcess = spawn(cmd ?? 'named', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (c: Buffer) => (log += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  };
  const resolver = new dns.Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await resolver.resolveSoa(zone).then(() => true, () => false);
    if (up) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`named did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    zone,
    locked,
    keyName,
    keySecret,
    txt: async (name) => (await resolver.resolveTxt(name).catch(() => [] as string[][])).map((chunks) => chunks.join('')),
    stop,
  };
}
