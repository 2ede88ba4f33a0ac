/** `slipway init` for Node: the start script (or main, or a usual file name), npm ci or install. */
import { join } from 'node:path';
import { bindAllNote, exists, firstExisting, mentionsPort, readText, type AppGuess } from './init-guess.js';

interface PackageJson {
  main?: unknown;
  scripts?: Record<string, unknown>;
}

/** Runtimes whose command works without npm's node_modules/.bin on PATH. */
const DIRECT_RUNTIMES = new Set(['node', 'deno', 'bun', 'python', 'python3', 'ruby', 'php', 'java']);

const PORT_HINT = "make the server listen on process.env.PORT (e.g. `server.listen(process.env.PORT, '127.0.0.1')`).";

/** A Node app: package.json with a start script or main, or server.js, index.js or app.js. */
export async function detectNode(root: string): Promise<AppGuess | undefined> {
  const pkg = await readPackageJson(root);
  const start = typeof pkg?.scripts?.['start'] === 'string' ? pkg.scripts['start'].trim() : '';
  const notes: string[] = [];
  let run: string | undefined;
  if (start !== '') {
    const first = start.split(/\s+/)[0] ?? '';
    // Running the script's own command keeps npm out of the way of signals.
    if (DIRECT_RUNTIMES.has(first) || first.includes('/')) run = start;
    else {
      notes.push(`run uses \`npm start\` because "${first}" comes from node_modules/.bin.`);
      run = 'npm start';
    }
  } else if (typeof pkg?.main === 'string') run = `node ${pkg.main}`;
  else {
    const file = await firstExisting(root, ['server.js', 'index.js', 'app.js']);
    if (file) run = `node ${file}`;
  }
  if (run === undefined) return undefined;
  const bindAll = bindAllNote(run === 'npm start' ? 'The start script' : 'run', start || run);
  if (bindAll) notes.push(bindAll);
  return { kind: 'node', run, build: await pickBuild(root, pkg), env: { NODE_ENV: 'production' }, notes, commandReadsPort: mentionsPort(start || run), portHint: PORT_HINT };
}

async function readPackageJson(root: string): Promise<PackageJson | undefined> {
  const text = await readText(root, 'package.json');
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' ? (parsed as PackageJson) : undefined;
  } catch {
    return undefined;
  }
}

async function pickBuild(root: string, pkg: PackageJson | undefined): Promise<string | undefined> {
  if (!pkg) return undefined;
  const install = (await exists(join(root, 'package-lock.json'))) ? 'npm ci' : 'npm install';
  const hasBuild = typeof pkg.scripts?.['build'] === 'string';
  return hasBuild ? `${install} && npm run build` : `${install} --omit=dev`;
}
