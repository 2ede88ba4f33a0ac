import type { ChildProcess } from 'node:child_process';
import { readFile, readlink } from 'node:fs/promises';
import { symlinkAtomic, writeFileAtomic } from '../lib/atomic-write.js';
import { entryArgv } from '../lib/entry-points.js';
import { SlipwayError } from '../errors.js';
import type { ProxyPaths } from './paths.js';
import type { HandoffResult } from './protocol.js';
import type { ListenerHandle } from './server.js';

/**
 * The IPC messages of a proxy restart, between the running proxy (old) and the process it
 * starts (new):
 *   new → old  hello                       the new process listens for messages
 *   old → new  listener {role, host, port} + the listening socket, once per listener
 *   old → new  go {tableVersion}           start serving (the table on disk must be that version)
 *                                          and answer control calls on its own socket file
 *   new → old  ready {pid}                 serving on the sockets, control socket answering
 *   new → old  failed {error}              it cannot take over (then exits)
 *   old → new  commit                      pid file and control.sock (a symlink to the serving
 *                                          process's own socket file) now name the new process
 * Before `commit` nothing has moved: the old process still owns the pid file and the control
 * socket, and its listeners never stopped accepting, so a failed restart changes nothing.
 */
export type OldToNew =
  | { readonly type: 'listener'; readonly role: 'http' | 'https'; readonly host: string; readonly requestedPort: number }
  | { readonly type: 'go'; readonly tableVersion: number }
  | { readonly type: 'commit' };

export type NewToOld =
  | { readonly type: 'hello' }
  | { readonly type: 'ready'; readonly pid: number }
  | { readonly type: 'failed'; readonly error: string };

export interface HandoffOptions {
  readonly paths: ProxyPaths;
  readonly stateDir: string;
  readonly listeners: readonly ListenerHandle[];
  /** The committed table's version, which the new process must load (0: none). */
  readonly tableVersion: number;
  /** Arguments of the proxy besides --state-dir (e.g. --upstream-timeout-ms). */
  readonly args: readonly string[];
  /** How long the new process may take to report ready (default 15 s). */
  readonly deadlineMs?: number;
}

/**
 * Starts a fresh proxy process (the code on disk now) and hands it the listening sockets; on
 * success the pid file and the control socket name the new process when this resolves. On
 * failure the new process is stopped and this one keeps everything (SLW_PROXY_HANDOFF_FAILED).
 */
export async function handOff(options: HandoffOptions): Promise<HandoffResult> {
  const { paths } = options;
  // The table version on the command line: the new process checks table.json before it takes a socket.
  const argv = ['--state-dir', options.stateDir, '--takeover', String(options.tableVersion), ...options.args];
  // node:child_process loads with the first restart, not with every proxy.
  const child = process.getBuiltinModule('node:child_process').spawn(process.execPath, entryArgv('proxy', argv), {
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const deadlineMs = options.deadlineMs ?? 15_000;
  try {
    const pid = await untilReady(child, options, deadlineMs);
    await commit(paths, pid);
    // Disconnect only once the commit is written: closing the channel could drop it.
    await new Promise<void>((resolve) => child.send({ type: 'commit' } satisfies OldToNew, () => resolve()));
    child.disconnect();
    child.unref();
    return { oldPid: process.pid, newPid: pid, listeners: options.listeners.length };
  } catch (err) {
    abandon(child);
    throw err instanceof SlipwayError
      ? err
      : new SlipwayError('SLW_PROXY_HANDOFF_FAILED', `The new proxy process did not take over: ${errorText(err)}. This proxy keeps serving.`, {
          cause: err,
          details: { logFile: 'logs/proxy.log' },
        });
  }
}

function untilReady(child: ChildProcess, options: HandoffOptions, deadlineMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      cleanup();
      reject(
        new SlipwayError('SLW_PROXY_HANDOFF_FAILED', `The new proxy process did not take over: ${why}. This proxy keeps serving.`, {
          details: { pid: child.pid, logFile: 'logs/proxy.log' },
        }),
      );
    };
    const timer = setTimeout(() => fail(`no ready message within ${deadlineMs} ms`), deadlineMs);
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => fail(`it exited (${signal ?? `code ${code}`}) before taking over`);
    const onError = (err: Error): void => fail(err.message);
    const onMessage = (message: NewToOld): void => {
      if (message.type === 'hello') {
        for (const l of options.listeners) {
          child.send({ type: 'listener', role: l.role, host: l.host, requestedPort: l.requestedPort } satisfies OldToNew, l.server);
        }
        child.send({ type: 'go', tableVersion: options.tableVersion } satisfies OldToNew);
      } else if (message.type === 'ready') {
        cleanup();
        resolve(message.pid);
      } else if (message.type === 'failed') {
        fail(message.error);
      }
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      child.off('message', onMessage);
    };
    child.on('exit', onExit);
    child.on('error', onError);
    child.on('message', onMessage);
  });
}

/**
 * The switch: the pid file first (findRunningProxy re-checks a pid that differs from the
 * answer for a moment), then control.sock, by replacing the symlink in one rename.
 */
async function commit(paths: ProxyPaths, pid: number): Promise<void> {
  const previous = await readFile(paths.pid, 'utf8').catch(() => `${process.pid}\n`);
  const previousLink = await readlink(paths.socket).catch(() => ownSocketName(process.pid));
  await writeFileAtomic(paths.pid, `${pid}\n`, 0o600);
  try {
    await symlinkAtomic(ownSocketName(pid), paths.socket);
  } catch (err) {
    await symlinkAtomic(previousLink, paths.socket).catch(() => undefined);
    await writeFileAtomic(paths.pid, previous, 0o600).catch(() => undefined);
    throw new SlipwayError('SLW_PROXY_HANDOFF_FAILED', `Could not move the control socket to the new proxy process: ${errorText(err)}. This proxy keeps serving.`, {
      cause: err,
    });
  }
}

/** The new process stops gracefully (it never owned the pid file or the control socket); killed if it lingers. */
function abandon(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }, 10_000);
  timer.unref();
  child.once('exit', () => clearTimeout(timer));
  if (child.connected) child.disconnect();
  child.unref();
}

/**
 * Each proxy process answers on its own socket file in the proxy directory; control.sock is a
 * symlink to the one of the process in charge (so a restart can move it in one rename).
 */
export function ownSocketName(pid: number): string {
  return `control-${pid}.sock`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
