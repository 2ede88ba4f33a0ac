import { mkdir, open, readdir, readFile, readlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { symlinkAtomic, writeFileAtomic } from '../lib/atomic-write.js';
import { isPidAlive } from '../lib/pid-alive.js';
import { diskFullError, SlipwayError } from '../errors.js';
import { ProxyClient } from './client.js';
import { ControlServer } from './control-server.js';
import { handOff, ownSocketName } from './handoff.js';
import type { Takeover } from './takeover.js';
import type { ProxyEvents } from './events.js';
import { proxyPaths, type ProxyPaths } from './paths.js';
import { ProxyServer } from './server.js';
import type { RoutingTableInput } from './protocol.js';

export interface RunProxyOptions {
  readonly stateDir: string;
  readonly events?: ProxyEvents;
  readonly upstreamTimeoutMs?: number;
  /** Called when a shutdown was asked over the control socket (main.ts exits then). */
  readonly onShutdownRequest?: () => void;
  /** This process takes over from the running proxy (proxy restart): its sockets, then its pid file and control socket. */
  readonly takeover?: Takeover;
  /** Arguments besides --state-dir a new proxy process gets on a restart. */
  readonly relaunchArgs?: readonly string[];
  /** After a restart handed everything to a new process and this one drained (main.ts exits then). */
  readonly onRetired?: () => void;
}

export interface RunningProxy {
  readonly paths: ProxyPaths;
  readonly server: ProxyServer;
  /** Graceful stop: stop accepting, finish in-flight (bounded by the drain window), close. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * A proxy for a state directory, in this process: refuses to start when another one answers
 * on the control socket, restores table.json, serves, writes proxy.pid, then answers on the socket
 * (its own socket file, which control.sock links to).
 */
export async function runProxy(options: RunProxyOptions): Promise<RunningProxy> {
  const paths = proxyPaths(options.stateDir);
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  const takeover = options.takeover;
  if (!takeover) await claimSocket(paths.socket, paths.dir);
  const ownSocket = join(paths.dir, ownSocketName(process.pid));
  const server = new ProxyServer({
    tablePath: paths.table,
    accessLogPath: paths.accessLog,
    ...(options.events ? { events: options.events } : {}),
    ...(options.upstreamTimeoutMs === undefined ? {} : { upstreamTimeoutMs: options.upstreamTimeoutMs }),
  });
  await server.start(takeover?.listeners);
  let stopping: Promise<void> | undefined;
  const stop = (graceMs?: number): Promise<void> => {
    stopping ??= (async () => {
      await server.close(graceMs);
      await control.close();
      await removeLinkIfOurs(paths.socket);
      await removePidFile(paths.pid);
    })();
    return stopping;
  };
  // The pid file first: once the socket answers, whoever reads the pid file finds this process
  // (the daemon decides "proxy running?" from the pid file and an answer carrying that pid).
  // On a takeover the previous process writes both, at its commit.
  if (!takeover) await writePidFile(paths.pid);
  let retiring: Promise<void> | undefined;
  await unlink(ownSocket).catch(() => undefined); // the name is this pid's: a leftover is stale
  const control = await ControlServer.listen(ownSocket, {
    status: () => server.status(),
    table: () => server.table(),
    applyTable: (body) => server.applyTable(body),
    shutdown: () => (options.onShutdownRequest ? options.onShutdownRequest() : void stop()),
    handoff: () =>
      server.exclusive(async () => {
        if (retiring || stopping) throw new SlipwayError('SLW_PROXY_SHUTTING_DOWN', 'This proxy already handed over or is shutting down.');
        const result = await handOff({
          paths,
          stateDir: options.stateDir,
          listeners: server.listenerHandles(),
          tableVersion: server.table()?.version ?? 0,
          args: options.relaunchArgs ?? [],
        });
        const successor = new ProxyClient(paths.socket);
        retiring = server.retire((input) => successor.putTable(input as RoutingTableInput));
        return result;
      }),
    handedOff: () => {
      const drained = retiring ?? Promise.resolve();
      // Control calls already on this socket (a table push forwarded to the new process) may finish.
      stopping ??= Promise.all([control.close(30_000), drained]).then(() => removePidFile(paths.pid));
      void stopping.then(() => options.onRetired?.());
    },
  });
  if (takeover) {
    try {
      const loaded = server.table()?.version ?? 0;
      if (loaded !== takeover.tableVersion) {
        throw new SlipwayError('SLW_PROXY_HANDOFF_FAILED', `The new proxy process loaded table version ${loaded}, not the running one (${takeover.tableVersion}).`);
      }
      await takeover.ready();
    } catch (err) {
      await stop();
      throw err;
    }
  } else {
    await symlinkAtomic(ownSocketName(process.pid), paths.socket);
  }
  return { paths, server, stop };
}

/** Fails when a live proxy answers on the socket; removes a stale socket (and socket files of dead proxies) otherwise. */
async function claimSocket(socketPath: string, dir: string): Promise<void> {
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
  for (const name of await readdir(dir)) {
    const pid = /^control-(\d+)\.sock$/.exec(name)?.[1];
    if (pid !== undefined && !isPidAlive(Number(pid))) await unlink(join(dir, name)).catch(() => undefined);
  }
}

/** control.sock goes with this process only when it still points here (not after a handoff). */
async function removeLinkIfOurs(link: string): Promise<void> {
  if ((await readlink(link).catch(() => '')) === ownSocketName(process.pid)) await unlink(link).catch(() => undefined);
}

async function removePidFile(path: string): Promise<void> {
  const text = await readFile(path, 'utf8').catch(() => '');
  if (text.trim() === String(process.pid)) await unlink(path).catch(() => undefined);
}

/**
 * The pid file, atomically. On a full disk (a new file needs a block there is none of), the
 * existing pid file of a dead proxy is overwritten in place instead: its block is already
 * allocated, and a proxy that can serve the saved table must not stay down for a pid file.
 */
async function writePidFile(path: string): Promise<void> {
  const text = `${process.pid}\n`;
  try {
    await writeFileAtomic(path, text, 0o600);
  } catch (err) {
    if (!diskFullError(err)) throw err;
    const handle = await open(path, 'r+').catch(() => undefined);
    if (!handle) throw err;
    try {
      await handle.write(text, 0);
      await handle.truncate(Buffer.byteLength(text));
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
