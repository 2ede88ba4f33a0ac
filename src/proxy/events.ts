import { EventEmitter } from 'node:events';

/**
 * What the proxy tells the outside world. Library code never prints: main.ts turns the
 * lifecycle events into JSON lines on stderr; tests subscribe directly.
 */
export interface ProxyEventMap {
  listening: [{ host: string; port: number }];
  'listen-failed': [{ host: string; port: number; error: string }];
  'table-applied': [{ version: number; services: number; targets: number }];
  'table-load-failed': [{ path: string; error: string }];
  'target-health': [{ service: string; id: string; release: string; healthy: boolean; error?: string }];
  'target-drained': [{ service: string; id: string; release: string; forced: boolean }];
  shutdown: [{ reason: string; graceMs: number }];
  'tls-loaded': [{ hosts: readonly string[]; serial: string; notAfter: string }];
  'tls-load-failed': [{ hosts: readonly string[]; certFile: string; error: string }];
  'access-log-failed': [{ path: string; error: string }];
}

export class ProxyEvents extends EventEmitter<ProxyEventMap> {}
