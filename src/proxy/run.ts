import { mkdir, readFile, unlink } from 'node:fs/promises';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { SlipwayError } from '../errors.js';
import { ProxyClient } from './client.js';
import { ControlServer } from './control-server.js';
import type { ProxyEvents } from './events.js';
import { proxyPaths, type ProxyPaths } from './paths.js';
import { ProxyServer } from './server.js';

export interface RunProxyOptions {
  readonly stateDir: string;
  readonly events?: ProxyEvents;
  readonly upstreamTimeoutMs?: number;
  /** Called when a shutdown was asked over the control socket (main.ts exits then). */
  readonly onShutdownRequest?: () => void;
}

export interface RunningProxy {
  readonly paths: ProxyPaths;
  readonly server: ProxyServer;
  /** Graceful stop: stop accepting, finish in-flight (bounded by the drain window), close. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * A proxy for a state directory, in this process: refuses to start when another one answers
 * on the control socket, restores table.json, serves, writes proxy.pid, then answers on the socket.
 */
export async function runProxy(options: RunProxyOptions): Promise<RunningProxy> {
  const paths = proxyPaths(options.stateDir);
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  await claimSocket(paths.socket);
  const server = new ProxyServer({
    tablePath: paths.table,
    ...(options.events ? { events: options.events } : {}),
    ...(options.upstreamTimeoutMs === undefined ? {} : { upstreamTimeoutMs: options.upstreamTimeoutMs }),
  });
  await server.start();
  let stopping: Promise<void> | undefined;
  const stop = (graceMs?: number): Promise<void> => {
    stopping ??= (async () => {
      await server.close(graceMs);
      await control.close();
      await removePidFile(paths.pid);
    })();
    return stopping;
  };
  // The pid file first: once the socket answers, whoever reads the pid file finds this process
  // (the daemon decides "proxy running?" from the pid file and an answer carrying that pid).
  await writeFileAtomic(paths.pid, `${process.pid}\n`, 0o600);
  const control = await ControlServer.listen(paths.socket, {
    status: () => server.status(),
    table: () => server.table(),
    applyTable: (body) => server.applyTable(body),
    shutdown: () => (options.onShutdownRequest ? options.onShutdownRequest() : void stop()),
  });
  return { paths, server, stop };
}

/** Fails when a live proxy answers on the socket; removes a stale socket file otherwise. */
async function claimSocket(socketPath: string): Promise<void> {
  const live = await new ProxyClient(socketPath, { timeoutMs: 2000 }).status().then(
    (s) => s,
    () => undefined,
  );
  if (live) {
    throw new SlipwayError('SLW_PROXY_ALREADY_RUNNING', `A proxy (pid ${live.pid}) already answers on ${socketPath}.`, {
      details: { pid: live.pid, socketPath },
    });
  }
  await unlink(socketPath).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw new SlipwayError('SLW_IO', `Could not remove the stale socket ${socketPath}.`, { cause: err });
  });
}

async function removePidFile(path: string): Promise<void> {
  const text = await readFile(path, 'utf8').catch(() => '');
  if (text.trim() === String(process.pid)) await unlink(path).catch(() => undefined);
}
