// A real OpenSSH server of the test's own on loopback (Debian's openssh-server): key auth only,
// its own host key, and an ssh client config for the "laptop" side that checks that host key.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/lib/free-port.js';

const run = promisify(execFile);

export interface Sshd {
  readonly dir: string;
  readonly port: number;
  /** ssh://user@127.0.0.1:port for the user the test runs as. */
  readonly url: string;
  /** An ssh client config (the laptop's): the authorized key, known_hosts holding the server's key. */
  readonly clientConfig: string;
  /** Writes another client config: `key` the private key to offer, `knownHosts` the known_hosts text. */
  clientWith(name: string, o: { key?: string; knownHosts?: string }): Promise<string>;
  /** A private key the server does not know. */
  readonly strangerKey: string;
  stop(): Promise<void>;
}

async function keygen(file: string): Promise<void> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'slipway-test', '-f', file]);
}

export async function startSshd(): Promise<Sshd> {
  // No spaces in the path: SLIPWAY_SSH_COMMAND is split on whitespace.
  const dir = await mkdtemp(join(tmpdir(), 'slw-sshd-'));
  await mkdir('/run/sshd', { recursive: true });
  await Promise.all([keygen(join(dir, 'host_key')), keygen(join(dir, 'laptop_key')), keygen(join(dir, 'stranger_key'))]);
  await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'laptop_key.pub')));
  const hostKey = (await readFile(join(dir, 'host_key.pub'), 'utf8')).trim().split(' ').slice(0, 2).join(' ');
  const pidFile = join(dir, 'sshd.pid');
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    await writeFile(join(dir, 'sshd_config'), [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'StrictModes no',
      `PidFile ${pidFile}`,
      'LogLevel ERROR',
      '',
    ].join('\n'));
    try {
      await run('/usr/sbin/sshd', ['-f', join(dir, 'sshd_config'), '-E', join(dir, 'sshd.log')]);
      break;
    } catch (err) {
      if (attempt >= 2) throw err;
    }
  }
  let pid = 0;
  for (let i = 0; i < 100 && pid === 0; i++) {
    pid = Number((await readFile(pidFile, 'utf8').catch(() => '0')).trim()) || 0;
    if (pid === 0) await sleep(50);
  }
  if (pid === 0) throw new Error(`sshd wrote no pid file: ${await readFile(join(dir, 'sshd.log'), 'utf8').catch(() => '')}`);
  const knownHosts = `[127.0.0.1]:${port} ${hostKey}\n`;
  const clientWith = async (name: string, o: { key?: string; knownHosts?: string }): Promise<string> => {
    const hosts = join(dir, `${name}.known_hosts`);
    await writeFile(hosts, o.knownHosts ?? knownHosts);
    const file = join(dir, `${name}.ssh_config`);
    await writeFile(file, [
      'Host *',
      `  IdentityFile ${o.key ?? join(dir, 'laptop_key')}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${hosts}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      '  ControlMaster no',
      '',
    ].join('\n'));
    return file;
  };
  return {
    dir,
    port,
    url: `ssh://${userInfo().username}@127.0.0.1:${port}`,
    clientConfig: await clientWith('laptop', {}),
    clientWith,
    strangerKey: join(dir, 'stranger_key'),
    stop: async () => {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
      for (let i = 0; i < 50; i++) {
        try {
          process.kill(pid, 0);
        } catch {
          break;
        }
        await sleep(50);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
