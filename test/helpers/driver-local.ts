import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDriver, type LocalDriverOptions } from '../../src/drivers/local/local-driver.js';
import type { InstanceHandle, InstanceSpec } from '../../src/drivers/driver.js';
import { freePort } from '../../src/lib/free-port.js';
import { killInstances } from './driver-kill.js';

/** A small HTTP app: answers with its markers, logs to stdout and stderr, exits on SIGTERM. */
export const HTTP_APP = `
const http = require('node:http');
const server = http.createServer((req, res) => res.end(JSON.stringify({
  id: process.env.SLIPWAY_INSTANCE_ID, service: process.env.SLIPWAY_SERVICE,
  release: process.env.SLIPWAY_RELEASE, owner: process.env.SLIPWAY_OWNER, greeting: process.env.GREETING,
})));
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening on ' + process.env.PORT));
console.error('to stderr');
process.on('SIGTERM', () => { console.log('got SIGTERM'); server.close(); process.exit(0); });
`;

/** A temp state dir and log dir, with drivers over them and cleanup of every process started. */
export class LocalDriverLab {
  readonly drivers: LocalDriver[] = [];
  readonly handles: InstanceHandle[] = [];

  private constructor(readonly root: string) {}

  static async create(): Promise<LocalDriverLab> {
    return new LocalDriverLab(await mkdtemp(join(tmpdir(), 'slipway-driver-')));
  }

  get stateDir(): string {
    return join(this.root, 'state');
  }

  get logDir(): string {
    return join(this.root, 'state', 'logs');
  }

  driver(options: Partial<LocalDriverOptions> = {}): LocalDriver {
    const driver = new LocalDriver({ stateDir: this.stateDir, logDir: this.logDir, pollMs: 25, ...options });
    this.drivers.push(driver);
    return driver;
  }

  async spec(id: string, script = HTTP_APP, env: Record<string, string> = {}): Promise<InstanceSpec> {
    return {
      id,
      service: 'web',
      releaseId: 'r1',
      cwd: this.root,
      command: [process.execPath, '-e', script],
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
      port: await freePort(),
    };
  }

  /** Kills (by pid, guarded by start time) everything started here, then removes the temp dir. */
  async cleanup(extra: readonly InstanceHandle[] = []): Promise<void> {
    const scanner = new LocalDriver({ stateDir: this.stateDir, logDir: this.logDir });
    killInstances([...this.handles, ...extra, ...(await scanner.findStrays(new Set()))]);
    await scanner.close();
    for (const driver of this.drivers) await driver.close();
    await rm(this.root, { recursive: true, force: true });
  }
}
