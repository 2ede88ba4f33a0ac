import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { runCapture } from '../release/run-capture.js';

/** The absolute path of an executable on PATH, or undefined. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

const versions = new Map<string, Promise<string>>();

/** The first line of `argv` (e.g. `pg_dump --version`), cached per argv; 'unknown' if it fails. */
export function toolVersion(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const key = argv.join('\0');
  let version = versions.get(key);
  if (!version) {
    version = runCapture(argv, process.cwd(), env).then((r) =>
      r.code === 0 ? ((r.stdout.trim() || r.stderr.trim()).split('\n')[0] ?? 'unknown').replace(/^[*\s]+|[*\s]+$/g, '') : 'unknown',
    );
    versions.set(key, version);
  }
  return version;
}
