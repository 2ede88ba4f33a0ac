import { fileURLToPath } from 'node:url';
import { extname } from 'node:path';

/** The process entry points slipway spawns (itself included). */
export type EntryPoint = 'cli' | 'daemon' | 'proxy';

const RELATIVE: Readonly<Record<EntryPoint, string>> = {
  cli: '../cli/main',
  daemon: '../daemon/main',
  proxy: '../proxy/main',
};

/**
 * Absolute path of an entry point, next to this file: `.js` when running the compiled
 * build, `.ts` when running from source under a TypeScript loader (tests in development).
 */
export function entryPath(name: EntryPoint): string {
  const ext = extname(fileURLToPath(import.meta.url));
  return fileURLToPath(new URL(`${RELATIVE[name]}${ext}`, import.meta.url));
}

/** argv to start an entry point with the same Node and loader flags as this process. */
export function entryArgv(name: EntryPoint, args: readonly string[] = []): string[] {
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
  return [...loaderFlags, entryPath(name), ...args];
}
