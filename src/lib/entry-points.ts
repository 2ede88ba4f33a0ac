import { fileURLToPath } from 'node:url';
import { extname } from 'node:path';
import { SlipwayError } from '../errors.js';

/** The process entry points slipway spawns (itself included). */
export type EntryPoint = 'cli' | 'daemon' | 'proxy' | 'config-checker';

const RELATIVE: Readonly<Record<EntryPoint, string>> = {
  cli: '../cli/main',
  daemon: '../daemon/main',
  proxy: '../proxy/main',
  'config-checker': '../config/checker-main',
};

/**
 * Absolute path of an entry point, next to this file: `.js` when running the compiled
 * build, `.ts` when running from source under a TypeScript loader (tests in development).
 */
export function entryPath(name: EntryPoint): string {
  const ext = extname(fileURLToPath(import.meta.url));
  return fileURLToPath(new URL(`${RELATIVE[name]}${ext}`, import.meta.url));
}

/**
 * V8 flags of each long-lived process, chosen for memory; each is measured against the process
 * without it, memory and cost in the same run (BENCHMARKS.md, Memory: bench/memory.ts
 * --compare-flags, and bench/proxy-flags.ts for the proxy's throughput).
 * - daemon: the control plane does little work per second: a young generation of 2 MB,
 *   size-optimized code, and no optimizing compiler (TurboFan's compile memory stays resident,
 *   ~8 MB; the baseline compiler still runs). Not --jitless/--lite-mode: they turn off
 *   WebAssembly, which Node's fetch (the webhook notifiers) needs.
 * - proxy: none. A young generation of 1, 2 or 4 MB saves 8–13 MB while idle, but costs
 *   throughput per CPU (0.75–0.94× in bench/proxy-flags.ts) and leaves the proxy larger after
 *   load (more is promoted to the old generation): the data plane keeps V8's defaults.
 */
export const NODE_FLAGS: Readonly<Record<EntryPoint, readonly string[]>> = {
  cli: [],
  daemon: ['--max-semi-space-size=2', '--optimize-for-size', '--no-opt'],
  proxy: [],
  // Short-lived (src/daemon/config-checker.ts): V8's defaults, for the speed of a check.
  'config-checker': [],
};

/** A V8 flag an operator may set through SLIPWAY_<DAEMON|PROXY>_NODE_FLAGS: a name and an optional number. */
const V8_FLAG = /^--(?!inspect|require|import|loader|experimental)[a-z][a-z0-9-]*(=\d+)?$/;

/**
 * The V8 flags an entry point starts with: NODE_FLAGS, or the space-separated list in
 * SLIPWAY_DAEMON_NODE_FLAGS / SLIPWAY_PROXY_NODE_FLAGS when set ("" for none), for a host where
 * speed matters more than memory, and for the benchmarks that compare both.
 */
export function nodeFlagsOf(name: EntryPoint, environ: NodeJS.ProcessEnv = process.env): readonly string[] {
  const variable = `SLIPWAY_${name.toUpperCase()}_NODE_FLAGS`;
  const override = name === 'daemon' || name === 'proxy' ? environ[variable] : undefined;
  if (override === undefined) return NODE_FLAGS[name];
  const flags = override.split(/\s+/).filter((f) => f !== '');
  const bad = flags.find((f) => !V8_FLAG.test(f));
  if (bad !== undefined) {
    throw new SlipwayError('SLW_USAGE', `${variable} holds "${bad}", which is not a V8 flag slipway passes on.`, {
      hint: `List V8 flags such as --max-semi-space-size=4 or --no-opt, separated by spaces, or unset ${variable} for the defaults (${NODE_FLAGS[name].join(' ') || 'none'}).`,
    });
  }
  return flags;
}

/**
 * argv to start an entry point with its V8 flags (`nodeFlags`, default nodeFlagsOf(name)) and
 * the same loader flags as this process.
 */
export function entryArgv(name: EntryPoint, args: readonly string[] = [], nodeFlags: readonly string[] = nodeFlagsOf(name)): string[] {
  const loaderFlags: string[] = [];
  const execArgv = process.execArgv;
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i] ?? '';
    if (flag === '--import' || flag === '--loader' || flag === '--require') {
      loaderFlags.push(flag, execArgv[i + 1] ?? '');
      i++;
    } else if (/^--(import|loader|require)=/.test(flag)) {
      loaderFlags.push(flag);
    }
  }
  return [...nodeFlags, ...loaderFlags, entryPath(name), ...args];
}
