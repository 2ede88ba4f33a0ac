/**
 * Validation stage 4, preflight: what the machine must offer before a deploy changes anything.
 * Configured ports free (or held by this slipway's own proxy or daemon), directories writable
 * or creatable, commands found, enough free disk space. It only looks: it creates no
 * directory, and every port it binds to test is closed before it answers.
 */
import { constants, type Stats } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { findOnPath } from '../backup/tools.js';
import { pgToolsFor } from '../backup/pg-tools.js';
import { diskSpace, type DiskSpace } from '../lib/disk-space.js';
import { isPidAlive } from '../lib/pid-alive.js';
import { portHolder } from '../lib/port-owner.js';
import { probePort } from '../lib/port-probe.js';
import { proxyPaths } from '../proxy/paths.js';
import { rawIssue, type RawIssue } from './issue.js';
import { preflightTargets, type CommandTarget, type DirTarget, type PortTarget, type ToolTarget } from './preflight-targets.js';

/** Free space below `errorBytes` fails the check; below `warnBytes` it warns. */
export interface DiskFloor {
  readonly errorBytes: number;
  readonly warnBytes: number;
}

export const DEFAULT_DISK_FLOOR: DiskFloor = { errorBytes: 256 * 1024 ** 2, warnBytes: 1024 ** 3 };

export interface PreflightOptions {
  readonly stateDir: string;
  /** PATH for command lookups (default: this process's environment). */
  readonly environ?: NodeJS.ProcessEnv;
  /** How free space is measured (default: statfs); tests give their own. */
  readonly diskSpace?: (path: string) => Promise<DiskSpace>;
  readonly diskFloor?: DiskFloor;
  /** Processes whose ports are not conflicts besides the state dir's proxy and daemon (the daemon itself, checking a deploy). */
  readonly ownPids?: readonly number[];
}

export interface PreflightResult {
  readonly errors: RawIssue[];
  readonly warnings: RawIssue[];
}

export async function preflightIssues(data: unknown, configDir: string, o: PreflightOptions): Promise<PreflightResult> {
  const targets = preflightTargets(data, configDir, o.stateDir);
  const environ = o.environ ?? process.env;
  const own = [...(o.ownPids ?? []), ...(await ownPids(o.stateDir))];
  const errors: RawIssue[] = [];
  const warnings: RawIssue[] = [];
  const sort = (found: Finding | undefined) => {
    if (found) (found.severity === 'error' ? errors : warnings).push(found.issue);
  };
  for (const t of targets.ports) sort(await portFinding(t, own));
  // The log directory lives in the state directory: once that fails, the same finding would repeat.
  let stateFailed = false;
  for (const t of targets.dirs) {
    if (t.path === undefined && stateFailed) continue;
    const found = await dirFinding(t);
    stateFailed ||= found !== undefined && t.path === undefined;
    sort(found);
  }
  for (const t of targets.commands) sort(await commandFinding(t, environ));
  const seen = new Set<string>();
  for (const t of targets.tools) if (!seen.has(t.tool) && seen.add(t.tool)) sort(toolFinding(t, environ));
  sort(await diskFinding(o.stateDir, o.diskSpace ?? diskSpace, o.diskFloor ?? DEFAULT_DISK_FLOOR));
  return { errors, warnings };
}

/** "812 MB", "3.4 GB". */
function formatSize(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GB` : `${Math.floor(bytes / 1024 ** 2)} MB`;
}

interface Finding {
  readonly severity: 'error' | 'warning';
  readonly issue: RawIssue;
}

const error = (issue: RawIssue): Finding => ({ severity: 'error', issue });
const warning = (issue: RawIssue): Finding => ({ severity: 'warning', issue });

/** The live pids of this state directory's proxy and daemon (from their pid files). */
async function ownPids(stateDir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const file of [proxyPaths(stateDir).pid, join(stateDir, 'daemon.pid')]) {
    const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && isPidAlive(pid)) pids.push(pid);
  }
  return pids;
}

async function portFinding(t: PortTarget, own: readonly number[]): Promise<Finding | undefined> {
  const probe = await probePort(t.host, t.port);
  const at = `${t.host}:${t.port}`;
  const extra = t.anchor ? { anchor: t.anchor } : {};
  switch (probe.state) {
    case 'free':
      return undefined;
    case 'in-use':
      if ((await portHolder(t.port, own)) !== undefined) return undefined; // our own proxy or daemon
      return error(
        rawIssue('SLW_CONFIG_PORT_IN_USE', t.path, `${t.what} (${at}) is already in use by a program other than this slipway's proxy and daemon`, {
          hint: `Stop the program listening there (\`ss -ltnp 'sport = :${t.port}'\` names it) or choose another port.`,
          ...extra,
        }),
      );
    case 'denied':
      return warning(
        rawIssue('SLW_CONFIG_PORT_DENIED', t.path, `${t.what} (${at}) cannot be bound by this user (ports below 1024 need privileges)`, {
          hint: 'Run the daemon as root or give node CAP_NET_BIND_SERVICE (`setcap cap_net_bind_service=+ep $(command -v node)`), or choose a port from 1024 up.',
          ...extra,
        }),
      );
    case 'error':
      return error(
        rawIssue('SLW_CONFIG_PORT_UNAVAILABLE', t.path, `${t.what} (${at}) cannot be bound on this machine (${probe.code})`, {
          hint: 'Listen on an address this machine has (0.0.0.0 for all, 127.0.0.1 for local only).',
          ...extra,
        }),
      );
  }
}

/** The directory itself, or the nearest existing ancestor it would be created in, must be writable. */
async function dirFinding(t: DirTarget): Promise<Finding | undefined> {
  let probe = t.dir;
  let st: Stats | undefined;
  for (;;) {
    const result = await stat(probe).catch((err: NodeJS.ErrnoException) => err);
    if (!(result instanceof Error)) {
      st = result;
      break;
    }
    const parent = dirname(probe);
    if ((result.code !== 'ENOENT' && result.code !== 'ENOTDIR') || parent === probe) return dirIssue(t, `cannot be examined (${result.code ?? 'error'})`);
    probe = parent;
  }
  const exists = probe === t.dir;
  if (!st.isDirectory()) return dirIssue(t, exists ? 'is not a directory' : `cannot be created: ${probe} is a file, not a directory`);
  try {
    await access(probe, constants.W_OK | constants.X_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return dirIssue(t, exists ? `is not writable (${code})` : `cannot be created: ${probe} is not writable (${code})`);
  }
}

function dirIssue(t: DirTarget, problem: string): Finding {
  const fix = t.path ? 'fix the setting' : 'pass another --state-dir (or SLIPWAY_STATE_DIR)';
  return error(
    rawIssue('SLW_CONFIG_DIR_NOT_WRITABLE', t.path ?? [], `${t.what} ${t.dir} ${problem}`, {
      hint: `Create the directory and give the user slipway runs as write access to it, or ${fix}.`,
    }),
  );
}

async function commandFinding(t: CommandTarget, environ: NodeJS.ProcessEnv): Promise<Finding | undefined> {
  if (!t.exe.includes('/')) {
    if (findOnPath(t.exe, environ)) return undefined;
    return error(
      rawIssue('SLW_CONFIG_COMMAND_NOT_FOUND', t.path, `${t.what} runs "${t.exe}", which is not found on PATH`, {
        hint: `Install ${t.exe}, or write its absolute path; slipway looks commands up on the PATH it runs with.`,
      }),
    );
  }
  if (!isAbsolute(t.exe) && t.madeByBuild) return undefined;
  const file = resolve(t.cwd, t.exe);
  const st = await stat(file).catch(() => undefined);
  const runnable = st?.isFile() === true && (await access(file, constants.X_OK).then(() => true, () => false));
  if (runnable) return undefined;
  return error(
    rawIssue('SLW_CONFIG_COMMAND_NOT_FOUND', t.path, `${t.what} runs ${file}, which ${st ? 'is not an executable file' : 'does not exist'}`, {
      hint: `Fix the path (relative paths start at the service's source directory), or make the file executable (chmod +x).`,
    }),
  );
}

function toolFinding(t: ToolTarget, environ: NodeJS.ProcessEnv): Finding | undefined {
  if (t.tool === 'zstd') {
    if (findOnPath('zstd', environ)) return undefined;
    return warning(rawIssue('SLW_CONFIG_TOOL_MISSING', t.path, `zstd is not installed: ${t.why}`, { hint: 'Install zstd (Debian: `apt install zstd`); backups work without it.', at: 'key' }));
  }
  const tools = pgToolsFor(undefined);
  const found = t.tool === 'pg_dump' ? tools.pgDump : tools.pgRestore;
  if (isAbsolute(found) || findOnPath(found, environ)) return undefined;
  return error(
    rawIssue('SLW_CONFIG_COMMAND_NOT_FOUND', t.path, `${t.tool} is not installed, and ${t.why}`, {
      hint: 'Install the PostgreSQL client programs of your server\'s version (Debian: `apt install postgresql-client`).',
      at: 'key',
    }),
  );
}

async function diskFinding(stateDir: string, measure: (path: string) => Promise<DiskSpace>, floor: DiskFloor): Promise<Finding | undefined> {
  let probe = stateDir;
  while (!(await stat(probe).then((s) => s.isDirectory(), () => false)) && dirname(probe) !== probe) probe = dirname(probe);
  const space = await measure(probe).catch(() => undefined);
  if (!space) return undefined;
  const free = formatSize(space.freeBytes);
  const fix = 'Free space on that file system (old releases, logs, backups), or move the state directory (--state-dir) to a larger one.';
  if (space.freeBytes < floor.errorBytes) {
    return error(rawIssue('SLW_CONFIG_DISK_FULL', [], `only ${free} free on the file system of the state directory ${stateDir} (at least ${formatSize(floor.errorBytes)} is needed)`, { hint: fix }));
  }
  if (space.freeBytes < floor.warnBytes) {
    return warning(rawIssue('SLW_CONFIG_DISK_LOW', [], `only ${free} free on the file system of the state directory ${stateDir} (below ${formatSize(floor.warnBytes)})`, { hint: fix }));
  }
  return undefined;
}
