import { runCapture } from '../release/run-capture.js';

export { findOnPath } from '../lib/find-on-path.js';

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
