import type { Server as NetServer, Socket } from 'node:net';
import { SlipwayError } from '../errors.js';
import { TableStore } from './table-store.js';
import type { NewToOld, OldToNew } from './handoff.js';
import type { AdoptedListener } from './server.js';

export interface Takeover {
  /** The listening sockets of the previous proxy process, with connections accepted since they arrived. */
  readonly listeners: AdoptedListener[];
  /** The version of the previous process's table: the one this process must have loaded. */
  readonly tableVersion: number;
  /** Tells the previous process this one serves; resolves on its commit, rejects if it goes away first. */
  ready(): Promise<void>;
}

/**
 * Before any socket is taken: table.json must hold the version the running proxy serves
 * (else this process would serve another table on the shared sockets).
 */
export async function checkTakeoverTable(tablePath: string, version: number): Promise<void> {
  const loaded = (await new TableStore(tablePath).load().catch(() => undefined))?.version ?? 0;
  if (loaded !== version) {
    throw new SlipwayError('SLW_PROXY_HANDOFF_FAILED', `The new proxy process loaded table version ${loaded}, not the running one (${version}).`);
  }
}

/**
 * The new process's side of a proxy restart (see handoff.ts for the messages): receives the
 * listening sockets over the IPC channel its parent opened.
 */
export function receiveTakeover(deadlineMs = 15_000): Promise<Takeover> {
  const send = (message: NewToOld): void => void process.send?.(message);
  if (!process.send) {
    return Promise.reject(new SlipwayError('SLW_USAGE', '--takeover is for a proxy started by another proxy process (slipway proxy restart).'));
  }
  return new Promise((resolve, reject) => {
    const listeners: AdoptedListener[] = [];
    let committed: (() => void) | undefined;
    let lost: ((err: Error) => void) | undefined;
    let isCommitted = false;
    const timer = setTimeout(() => reject(new SlipwayError('SLW_PROXY_HANDOFF_FAILED', `No listening sockets arrived within ${deadlineMs} ms.`)), deadlineMs);
    process.on('message', (message: OldToNew, handle?: NetServer) => {
      if (message.type === 'listener' && handle) {
        // Connections this process accepts before it serves wait here (nothing is refused).
        const pending: Socket[] = [];
        handle.on('connection', (socket: Socket) => void pending.push(socket));
        listeners.push({ role: message.role, host: message.host, requestedPort: message.requestedPort, server: handle, pending });
      } else if (message.type === 'go') {
        clearTimeout(timer);
        resolve({
          listeners,
          tableVersion: message.tableVersion,
          ready: () =>
            new Promise<void>((done, fail) => {
              committed = done;
              lost = fail;
              send({ type: 'ready', pid: process.pid });
            }),
        });
      } else if (message.type === 'commit') {
        isCommitted = true;
        committed?.();
      }
    });
    process.on('disconnect', () => {
      if (isCommitted) return;
      clearTimeout(timer);
      const err = new SlipwayError('SLW_PROXY_HANDOFF_FAILED', 'The previous proxy process went away before the handover completed.');
      reject(err);
      lost?.(err);
    });
    send({ type: 'hello' });
  });
}
