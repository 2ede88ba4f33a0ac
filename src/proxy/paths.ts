import { join } from 'node:path';
import { PROXY_DIR, PROXY_PID_FILE, PROXY_SOCKET, PROXY_TABLE_FILE } from './protocol.js';

export interface ProxyPaths {
  readonly dir: string;
  readonly socket: string;
  readonly table: string;
  readonly pid: string;
  readonly accessLog: string;
}

/** The proxy's files under a state directory. */
export function proxyPaths(stateDir: string): ProxyPaths {
  const dir = join(stateDir, PROXY_DIR);
  return { dir, socket: join(dir, PROXY_SOCKET), table: join(dir, PROXY_TABLE_FILE), pid: join(dir, PROXY_PID_FILE), accessLog: join(dir, 'access.log') };
}
