import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { entryArgv } from '../lib/entry-points.js';
import { SlipwayError } from '../errors.js';
import { ProxyClient } from './client.js';
import { proxyPaths } from './paths.js';

export interface SpawnProxyOptions {
  readonly stateDir: string;
  /** stdout and stderr of the proxy (JSON lines), appended. */
  readonly logFile: string;
  /** How long to wait for the control socket to answer (default 10 s). */
  readonly deadlineMs?: number;
  /** Extra arguments for the proxy (e.g. --upstream-timeout-ms). */
  readonly args?: readonly string[];
  /** V8 flags of the proxy process (default: NODE_FLAGS.proxy, src/lib/entry-points.ts); bench/proxy-flags.ts compares them. */
  readonly nodeFlags?: readonly string[];
}

/**
 * Starts the proxy detached (own process group, outliving the caller) and waits until its
 * control socket answers. Refuses when a proxy already runs for this state directory.
 */
export async function spawnProxy(options: SpawnProxyOptions): Promise<{ pid: number }> {
  const running = await findRunningProxy(options.stateDir);
  if (running) {
    const { pid } = await running.status();
    throw new SlipwayError('SLW_PROXY_ALREADY_RUNNING', `A proxy (pid ${pid}) already runs for ${options.stateDir}.`, {
      details: { pid },
    });
  }
  mkdirSync(dirname(options.logFile), { recursive: true });
  const log = openSync(options.logFile, 'a', 0o600);
  let exit: string | undefined;
  const child = (() => {
    try {
      return spawn(process.execPath, entryArgv('proxy', ['--state-dir', options.stateDir, ...(options.args ?? [])], options.nodeFlags), {
        detached: true,
        stdio: ['ignore', log, log],
      });
    } finally {
      closeSync(log);
    }
  })();
  child.once('exit', (code, signal) => (exit = signal ?? `exit code ${code}`));
  child.once('error', (err) => (exit = err.message));
  child.unref();
  const pid = child.pid;
  const client = new ProxyClient(proxyPaths(options.stateDir).socket, { timeoutMs: 1000 });
  const deadline = Date.now() + (options.deadlineMs ?? 10_000);
  while (exit === undefined && pid !== undefined) {
    const status = await client.status().catch(() => undefined);
    if (status?.pid === pid) return { pid };
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      exit = `no answer on the control socket within ${options.deadlineMs ?? 10_000} ms`;
      break;
    }
    await sleep(50);
  }
  throw new SlipwayError('SLW_PROXY_START_FAILED', `The proxy did not start: ${exit ?? 'spawn failed'}.`, {
    details: { logFile: options.logFile, logTail: await tail(options.logFile) },
  });
}

/**
 * A client for the proxy of this state directory when its pid file names a live proxy that
 * answers. During a proxy restart the pid file moves to the new process an instant before the
 * control socket does: an answer from another live pid is re-checked for a moment.
 */
export async function findRunningProxy(stateDir: string): Promise<ProxyClient | undefined> {
  const paths = proxyPaths(stateDir);
  const client = new ProxyClient(paths.socket);
  const deadline = Date.now() + 2000;
  for (;;) {
    const pid = Number((await readFile(paths.pid, 'utf8').catch(() => '')).trim());
    if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return undefined;
    const status = await client.status().catch(() => undefined);
    if (status?.pid === pid) return client;
    if (!status || !alive(status.pid) || Date.now() > deadline) return undefined;
    await sleep(20);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tail(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-20);
}
