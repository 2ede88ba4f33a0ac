// A private Podman (Debian package `podman`, with runc) serving the Docker Engine API on a unix
// socket in a temp dir: its own storage (vfs), runroot, network config and tmp dir, cgroupfs and
// explicit ulimits (see ../shared/REAL-COMPONENTS.md). A tiny image is built on the spot from the
// host's busybox and its libraries, so nothing is downloaded. The service is stopped by its pid.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The image every container test runs: busybox (sh, httpd, sleep …) with /www/index.html. */
export const BUSYBOX_IMAGE = 'localhost/slipway-busybox:test';

const APPLETS = ['sh', 'httpd', 'echo', 'sleep', 'cat', 'env', 'id', 'ls', 'touch', 'dd', 'tr'];

export class PodmanLab {
  #service: ChildProcess | undefined;
  #serviceExited: Promise<void> = Promise.resolve();
  #serviceLog = '';

  private constructor(readonly dir: string) {}

  get socketPath(): string {
    return join(this.dir, 'api.sock');
  }

  get pid(): number | undefined {
    return this.#service?.pid;
  }

  /** Creates the config and the image, then starts the API service. */
  static async start(): Promise<PodmanLab> {
    const lab = new PodmanLab(await mkdtemp(join(tmpdir(), 'slipway-podman-')));
    try {
      await lab.#configure();
      await lab.#buildImage();
      await lab.startService();
      return lab;
    } catch (err) {
      await lab.stop();
      throw err;
    }
  }

  /** The podman CLI on this lab's storage (for what the test does behind the driver's back). */
  async podman(args: readonly string[]): Promise<string> {
    const flags = ['--root', join(this.dir, 'root'), '--runroot', join(this.dir, 'runroot'), '--storage-driver', 'vfs'];
    const { stdout } = await run('podman', [...flags, ...args], { env: this.#env(), maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  }

  /** Ids of the containers (running or not) with this label. */
  async containers(label: string): Promise<string[]> {
    return (await this.podman(['ps', '-a', '-q', '--no-trunc', '--filter', `label=${label}`])).split('\n').filter(Boolean);
  }

  /** Force-removes every container with this label. */
  async removeContainers(label: string): Promise<void> {
    const ids = await this.containers(label);
    if (ids.length > 0) await this.podman(['rm', '-f', '-t', '0', ...ids]);
  }

  async startService(): Promise<void> {
    const flags = ['--root', join(this.dir, 'root'), '--runroot', join(this.dir, 'runroot'), '--storage-driver', 'vfs'];
    const child = spawn('podman', [...flags, 'system', 'service', '--time=0', `unix://${this.socketPath}`], {
      env: this.#env(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.#service = child;
    this.#serviceExited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stderr?.on('data', (c: Buffer) => void (this.#serviceLog = (this.#serviceLog + c.toString()).slice(-4000)));
    const deadline = Date.now() + 15_000;
    while (!(await enginePings(this.socketPath))) {
      if (child.exitCode !== null) throw new Error(`podman system service exited (${child.exitCode}): ${this.#serviceLog}`);
      if (Date.now() > deadline) throw new Error(`podman system service not ready within 15 s: ${this.#serviceLog}`);
      await sleep(50);
    }
  }

  /** Stops the API service by its pid (containers keep running under their conmon). */
  async stopService(): Promise<void> {
    const child = this.#service;
    this.#service = undefined;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const done = await Promise.race([this.#serviceExited.then(() => true), sleep(5000).then(() => false)]);
    if (!done) child.kill('SIGKILL');
    await this.#serviceExited;
  }

  /** Removes every container of the lab, stops the service and deletes the temp dir. */
  async stop(): Promise<void> {
    try {
      await this.removeContainers('slipway.managed=true');
    } catch {
      // storage never created, or already gone
    }
    await this.stopService();
    await unmountUnder(this.dir);
    // Podman's storage can still be settling files as the service exits (ENOTEMPTY): retried,
    // and a directory that stays is reported, never thrown, so it cannot hide the test's own error.
    await rm(this.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }).catch((err: unknown) => {
      process.stderr.write(`podman lab: ${this.dir} not removed: ${(err as Error).message}\n`);
    });
  }

  #env(): NodeJS.ProcessEnv {
    return { ...process.env, CONTAINERS_CONF: join(this.dir, 'containers.conf') };
  }

  async #configure(): Promise<void> {
    for (const sub of ['net', 'tmp', 'root', 'runroot']) await mkdir(join(this.dir, sub), { recursive: true });
    const conf = [
      '[containers]',
      'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]',
      'log_driver = "k8s-file"',
      '[network]',
      `network_config_dir = "${join(this.dir, 'net')}"`,
      '[engine]',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      'runtime = "runc"',
      `tmp_dir = "${join(this.dir, 'tmp')}"`,
    ];
    await writeFile(join(this.dir, 'containers.conf'), `${conf.join('\n')}\n`);
  }

  async #buildImage(): Promise<void> {
    const tarball = await busyboxRootfs(this.dir);
    await this.podman(['import', '--change', 'CMD ["/bin/sh"]', '--change', 'ENV PATH=/bin', tarball, BUSYBOX_IMAGE]);
  }
}

/** busybox and the libraries `ldd` names, in a rootfs tarball under `dir` that `podman import` and `docker import` take. */
export async function busyboxRootfs(dir: string): Promise<string> {
  const rootfs = join(dir, 'rootfs');
  const busybox = (await run('sh', ['-c', 'command -v busybox'])).stdout.trim();
  await mkdir(join(rootfs, 'bin'), { recursive: true });
  await mkdir(join(rootfs, 'www'), { recursive: true });
  await mkdir(join(rootfs, 'tmp'), { recursive: true });
  await copyFile(busybox, join(rootfs, 'bin', 'busybox'));
  for (const applet of APPLETS) await symlink('busybox', join(rootfs, 'bin', applet));
  const ldd = (await run('ldd', [busybox]).catch(() => ({ stdout: '' }))).stdout;
  for (const lib of ldd.matchAll(/(\/\S+\.so[^\s]*)/g)) {
    const path = lib[1] ?? '';
    await mkdir(join(rootfs, dirname(path)), { recursive: true });
    await copyFile(path, join(rootfs, dirname(path), basename(path)));
  }
  await writeFile(join(rootfs, 'www', 'index.html'), 'hello from busybox\n');
  const tarball = join(dir, 'rootfs.tar');
  await run('tar', ['-C', rootfs, '-cf', tarball, '.']);
  return tarball;
}

/** Whether the engine (Podman's or dockerd's Docker API) answers on its socket. */
export function enginePings(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/v1.41/_ping', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Unmounts what an engine may leave mounted under `dir` (shm of a container killed mid-way), deepest first. */
export async function unmountUnder(dir: string): Promise<void> {
  const mounts = await readFile('/proc/self/mounts', 'utf8').catch(() => '');
  const inside = mounts
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((path) => path.startsWith(`${dir}/`))
    .reverse();
  for (const path of inside) await run('umount', ['-l', path]).catch(() => undefined);
}
