/**
 * What the preflight stage looks at, read from the raw (merged, interpolated) config so it runs
 * even when earlier stages found problems: values of the wrong type are skipped (the schema
 * reports them). Each target keeps its config path, so a finding has a file:line:col.
 */
import { dirname, join, resolve } from 'node:path';
import { toArgv } from '../lib/command-line.js';
import { parseListenAddress } from '../lib/listen-address.js';
import type { ConfigPath } from './issue.js';
import { isContainerService } from './container-semantic.js';
import { isPlainObject } from './merge.js';

export interface PortTarget {
  readonly path: ConfigPath;
  /** Where to point when the setting is a default (its parent mapping, or the whole file). */
  readonly anchor?: ConfigPath;
  readonly what: string;
  readonly host: string;
  readonly port: number;
}

export interface DirTarget {
  /** Undefined for directories that come from flags (the state directory), not from the file. */
  readonly path: ConfigPath | undefined;
  readonly what: string;
  readonly dir: string;
}

export interface CommandTarget {
  readonly path: ConfigPath;
  readonly what: string;
  /** argv[0] as written: a name looked up on PATH, or a path. */
  readonly exe: string;
  /** Relative paths resolve from here (the service's source directory). */
  readonly cwd: string;
  /** A relative run command of a service with a build step may be made by the build: not checked. */
  readonly madeByBuild: boolean;
}

export interface ToolTarget {
  readonly path: ConfigPath;
  readonly tool: 'pg_dump' | 'pg_restore' | 'zstd';
  readonly why: string;
}

export interface PreflightTargets {
  readonly ports: PortTarget[];
  readonly dirs: DirTarget[];
  readonly commands: CommandTarget[];
  readonly tools: ToolTarget[];
}

const validPort = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535;

export function preflightTargets(data: unknown, configDir: string, stateDir: string): PreflightTargets {
  const root = isPlainObject(data) ? data : {};
  return {
    ports: portTargets(root),
    dirs: [
      { path: undefined, what: 'the state directory', dir: stateDir },
      { path: undefined, what: 'the log directory', dir: join(stateDir, 'logs') },
      ...backupDirs(root, configDir),
    ],
    commands: commandTargets(root, configDir),
    tools: toolTargets(root),
  };
}

function portTargets(root: Record<string, unknown>): PortTarget[] {
  const out: PortTarget[] = [];
  const proxy = isPlainObject(root['proxy']) ? root['proxy'] : undefined;
  const host = typeof proxy?.['host'] === 'string' ? proxy['host'] : '0.0.0.0';
  const anchor = proxy ? ['proxy'] : [];
  const http = proxy?.['http'] ?? 80;
  if (validPort(http)) out.push({ path: ['proxy', 'http'], ...(proxy?.['http'] === undefined ? { anchor } : {}), what: 'the proxy\'s HTTP port', host, port: http });
  const https = proxy?.['https'] ?? (tlsOn(root) ? 443 : undefined);
  if (validPort(https)) out.push({ path: ['proxy', 'https'], ...(proxy?.['https'] === undefined ? { anchor } : {}), what: 'the proxy\'s HTTPS port', host, port: https });
  const admin = isPlainObject(root['admin']) ? root['admin'] : undefined;
  const listen = typeof admin?.['listen'] === 'string' ? parseListenAddress(admin['listen']) : undefined;
  if (listen) out.push({ path: ['admin', 'listen'], what: 'the admin listener', host: listen.host, port: listen.port });
  const dashboard = isPlainObject(root['dashboard']) ? root['dashboard'] : undefined;
  const board = typeof dashboard?.['listen'] === 'string' ? parseListenAddress(dashboard['listen']) : undefined;
  if (board) out.push({ path: ['dashboard', 'listen'], what: 'the dashboard listener', host: board.host, port: board.port });
  return out;
}

/** Some route has TLS on (the proxy then listens on 443 unless proxy.https says otherwise). */
function tlsOn(root: Record<string, unknown>): boolean {
  const services = isPlainObject(root['services']) ? Object.values(root['services']) : [];
  return services.some((s) => isPlainObject(s) && Array.isArray(s['routes']) && s['routes'].some((r: unknown) => isPlainObject(r) && r['tls'] !== undefined && r['tls'] !== 'off'));
}

function backupDirs(root: Record<string, unknown>, configDir: string): DirTarget[] {
  const b = isPlainObject(root['backups']) ? root['backups'] : undefined;
  if (!b) return [];
  const out: DirTarget[] = [];
  for (const [name, t] of Object.entries(isPlainObject(b['targets']) ? b['targets'] : {})) {
    if (isPlainObject(t) && typeof t['dir'] === 'string' && t['dir'] !== '') {
      out.push({ path: ['backups', 'targets', name, 'dir'], what: `backup target "${name}"`, dir: resolve(configDir, t['dir']) });
    }
  }
  // Data restored in place is written where it lives.
  for (const [name, s] of Object.entries(isPlainObject(b['sources']) ? b['sources'] : {})) {
    if (!isPlainObject(s)) continue;
    if (typeof s['dir'] === 'string' && s['dir'] !== '') out.push({ path: ['backups', 'sources', name, 'dir'], what: `backup source "${name}"`, dir: resolve(configDir, s['dir']) });
    if (typeof s['sqlite'] === 'string' && s['sqlite'] !== '') {
      out.push({ path: ['backups', 'sources', name, 'sqlite'], what: `the directory of backup source "${name}"`, dir: dirname(resolve(configDir, s['sqlite'])) });
    }
  }
  return out;
}

function commandTargets(root: Record<string, unknown>, configDir: string): CommandTarget[] {
  const out: CommandTarget[] = [];
  for (const [name, s] of Object.entries(isPlainObject(root['services']) ? root['services'] : {})) {
    // A container's run command lives in its image, not on this host's PATH.
    if (!isPlainObject(s) || isContainerService(s)) continue;
    const cwd = resolve(configDir, typeof s['source'] === 'string' ? s['source'] : '.');
    const hasBuild = s['build'] !== undefined;
    for (const key of ['build', 'run'] as const) {
      const exe = firstWord(s[key]);
      if (exe !== undefined) out.push({ path: ['services', name, key], what: `services.${name}.${key}`, exe, cwd, madeByBuild: key === 'run' && hasBuild });
    }
  }
  return out;
}

function firstWord(command: unknown): string | undefined {
  if (Array.isArray(command)) return typeof command[0] === 'string' && command[0] !== '' ? command[0] : undefined;
  if (typeof command !== 'string' || command.trim() === '') return undefined;
  return toArgv(command)[0];
}

function toolTargets(root: Record<string, unknown>): ToolTarget[] {
  const b = isPlainObject(root['backups']) ? root['backups'] : undefined;
  if (!b) return [];
  const out: ToolTarget[] = [{ path: ['backups'], tool: 'zstd', why: 'backups compress with zstd when it is installed (else with brotli, slower and larger)' }];
  for (const [name, s] of Object.entries(isPlainObject(b['sources']) ? b['sources'] : {})) {
    if (!isPlainObject(s) || s['postgres'] === undefined) continue;
    const path = ['backups', 'sources', name, 'postgres'];
    out.push({ path, tool: 'pg_dump', why: `backup source "${name}" is dumped with pg_dump` }, { path, tool: 'pg_restore', why: `backup source "${name}" is verified and restored with pg_restore` });
  }
  return out;
}
