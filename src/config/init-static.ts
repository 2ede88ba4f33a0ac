/** `slipway init` for a static site: index.html served by a server this machine already has. */
import { join } from 'node:path';
import { findOnPath } from '../backup/tools.js';
import { exists, type AppGuess, type DetectOptions } from './init-guess.js';

const SITE_DIRS = ['public', 'site', '_site', 'dist', 'build', 'out', 'www', 'docs'];

export async function detectStatic(root: string, o: DetectOptions): Promise<AppGuess | undefined> {
  const dir = (await exists(join(root, 'index.html'))) ? '.' : await siteDir(root);
  if (dir === undefined) return undefined;
  const notes: string[] = [];
  if (dir === '.') notes.push('The whole folder is served (slipway.yaml included): keep the site in its own folder (public/) if other files should stay private.');
  const environ = o.environ ?? process.env;
  let run: string;
  if (findOnPath('python3', environ) || !findOnPath('busybox', environ)) {
    run = `python3 -m http.server $PORT --bind 127.0.0.1 --directory ${dir}`;
    if (!findOnPath('python3', environ)) notes.push('python3 serves the site and is not installed here (Debian: `apt install python3`), nor is busybox.');
  } else run = `busybox httpd -f -p 127.0.0.1:$PORT -h ${dir}`;
  return { kind: 'static', run, env: {}, notes, commandReadsPort: true, portHint: '' };
}

async function siteDir(root: string): Promise<string | undefined> {
  for (const dir of SITE_DIRS) if (await exists(join(root, dir, 'index.html'))) return dir;
  return undefined;
}
