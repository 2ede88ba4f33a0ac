// A private dockerd (Debian package `docker.io`) serving the Docker Engine API on a unix socket
// in a temp dir: its own data root, exec root (with the containerd it manages), pid file and
// config file, vfs storage, cgroupfs, explicit ulimits, and no network set-up on the host
// (--bridge=none, no iptables, no forwarding): containers use the host's network, so an app
// listens on 127.0.0.1:$PORT itself. The busybox image is imported from the host's busybox
// (nothing downloaded). dockerd is stopped by its pid; it stops its containerd.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { findOnPath } from '../../src/lib/find-on-path.js';
import { BUSYBOX_IMAGE, busyboxRootfs, enginePings, unmountUnder } from './podman-lab.js';

const run = promisify(execFile);

/** Where dockerd is, or undefined (the package `docker.io` is not installed). */
export function dockerdPath(): string | undefined {
  return findOnPath('dockerd', { PATH: `${process.env['PATH'] ?? ''}:/usr/sbin:/usr/bin` });
}

export class DockerLab {
  #daemon: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #log = '';

  private constructor(readonly dir: string) {}

  get socketPath(): string {
    return join(this.dir, 'docker.sock');
  }

  static async start(): Promise<DockerLab> {
    const dockerd = dockerdPath();
    if (!dockerd) throw new Error('dockerd is not installed: apt-get install -y docker.io (scripts/test.sh does)');
    const lab = new DockerLab(await mkdtemp(join(tmpdir(), 'slw-docker-')));
    try {
      await writeFile(join(lab.dir, 'daemon.json'), '{}\n');
      const args = [
        '--host', `unix://${lab.socketPath}`,
        '--data-root', join(lab.dir, 'data'),
        '--exec-root', join(lab.dir, 'exec'),
        '--pidfile', join(lab.dir, 'docker.pid'),
        '--config-file', join(lab.dir, 'daemon.json'),
        '--bridge=none', '--iptables=false', '--ip6tables=false', '--ip-forward=false', '--ip-masq=false',
        '--storage-driver=vfs', '--exec-opt', 'native.cgroupdriver=cgroupfs',
        '--default-ulimit', 'nofile=1024:1024', '--default-ulimit', 'nproc=1024:1024',
        '--log-level=warn',
      ];
      const child = spawn(dockerd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      lab.#daemon = child;
      lab.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
      child.stderr?.on('data', (c: Buffer) => void (lab.#log = (lab.#log + c.toString()).slice(-4000)));
      const deadline = Date.now() + 30_000;
      while (!(await enginePings(lab.socketPath))) {
        if (child.exitCode !== null) throw new Error(`dockerd exited (${child.exitCode}): ${lab.#log}`);
        if (Date.now() > deadline) throw new Error(`dockerd not ready within 30 s: ${lab.#log}`);
        await sleep(100);
      }
      const tarball = await busyboxRootfs(lab.dir);
      await lab.docker(['import', '--change', 'CMD ["/bin/sh"]', '--change', 'ENV PATH=/bin', tarball, BUSYBOX_IMAGE]);
      return lab;
    } catch (err) {
      await lab.stop();
      throw err;
    }
  }

  /** The docker CLI on this daemon. */
  async docker(args: readonly string[]): Promise<string> {
    const { stdout } = await run('docker', ['-H', `unix://${this.socketPath}`, ...args], { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, DOCKER_CONFIG: join(this.dir, 'cli') } });
    return stdout;
  }

  async containers(label: string): Promise<string[]> {
    return (await this.docker(['ps', '-a', '-q', '--no-trunc', '--filter', `label=${label}`])).split('\n').filter(Boolean);
  }

  async removeContainers(label: string): Promise<void> {
    const ids = await this.containers(label);
    if (ids.length > 0) await this.docker(['rm', '-f', ...ids]);
  }

  /** Removes every slipway container, stops dockerd by its pid, unmounts and deletes the temp dir. */
  async stop(): Promise<void> {
    await this.removeContainers('slipway.managed=true').catch(() => undefined);
    const child = this.#daemon;
    this.#daemon = undefined;
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const done = await Promise.race([this.#exited.then(() => true), sleep(15_000).then(() => false)]);
      if (!done) child.kill('SIGKILL');
      await this.#exited;
    }
    await unmountUnder(this.dir);
    await rm(this.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }).catch((err: unknown) => {
      process.stderr.write(`docker lab: ${this.dir} not removed: ${(err as Error).message}\n`);
    });
  }
}
