import { join } from 'node:path';

/** Files of the proxy inside the state dir. */
export const PROXY_DIR = 'proxy';
export const PROXY_SOCKET = 'control.sock';
export const PROXY_TABLE_FILE = 'table.json';
export const PROXY_PID_FILE = 'proxy.pid';

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
