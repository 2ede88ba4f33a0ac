/** `slipway init`: a commented slipway.yaml guessed from the app in a directory. */
import { access, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { scanSource } from './init-scan.js';
import { yamlScalar } from './yaml-adapter.js';

export interface DetectedApp {
  readonly yaml: string;
  /** Things the user should know or do (e.g. "your app does not read PORT"). */
  readonly notes: string[];
}

interface PackageJson {
  main?: unknown;
  scripts?: Record<string, unknown>;
}

/** Runtimes whose command works without npm's node_modules/.bin on PATH. */
const DIRECT_RUNTIMES = new Set(['node', 'deno', 'bun', 'python', 'python3', 'ruby', 'php', 'java']);

export async function detectApp(dir: string): Promise<DetectedApp> {
  const root = resolve(dir);
  const notes: string[] = [];
  const pkg = await readPackageJson(root);
  const run = await pickRun(root, pkg, notes);
  const build = await pickBuild(root, pkg);
  const facts = await scanSource(root);
  if (!facts.readsPort) {
    notes.push('Your app does not seem to read PORT. slipway starts each instance on its own port and passes it in PORT: make the server listen on process.env.PORT.');
  }
  if (!facts.healthPath) {
    notes.push('No /health or /healthz route found; health checks will probe "/". A dedicated cheap health route is better.');
  }
  const host = `${dnsLabel(basename(root))}.localhost`;
  return { yaml: render({ run, build, host, healthPath: facts.healthPath ?? '/' }), notes };
}

async function readPackageJson(root: string): Promise<PackageJson | undefined> {
  const text = await readFile(join(root, 'package.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' ? (parsed as PackageJson) : undefined;
  } catch {
    return undefined;
  }
}

async function pickRun(root: string, pkg: PackageJson | undefined, notes: string[]): Promise<string> {
  const start = pkg?.scripts?.['start'];
  if (typeof start === 'string' && start.trim() !== '') {
    const first = start.trim().split(/\s+/)[0] ?? '';
    // Running the script's own command keeps npm out of the way of signals.
    if (DIRECT_RUNTIMES.has(first) || first.includes('/')) return start.trim();
    notes.push(`run uses \`npm start\` because "${first}" comes from node_modules/.bin.`);
    return 'npm start';
  }
  if (typeof pkg?.main === 'string') return `node ${pkg.main}`;
  for (const candidate of ['server.js', 'index.js', 'app.js']) {
    if (await exists(join(root, candidate))) return `node ${candidate}`;
  }
  notes.push('No start command found: edit `run:` to the command that starts your server.');
  return 'node server.js';
}

async function pickBuild(root: string, pkg: PackageJson | undefined): Promise<string | undefined> {
  if (!pkg) return undefined;
  const install = (await exists(join(root, 'package-lock.json'))) ? 'npm ci' : 'npm install';
  const hasBuild = typeof pkg.scripts?.['build'] === 'string';
  return hasBuild ? `${install} && npm run build` : `${install} --omit=dev`;
}

function render(o: { run: string; build: string | undefined; host: string; healthPath: string }): string {
  const quote = (text: string) => yamlScalar(text.replaceAll('${', () => '$${'));
  return [
    '# slipway.yaml: see `slipway schema` for every key.',
    'version: 1',
    'proxy:',
    '  http: 8080          # port 80 needs root; change it for production',
    'services:',
    '  web:',
    '    source: .',
    ...(o.build ? [`    build: ${quote(o.build)}`] : ['    # build: npm ci --omit=dev']),
    `    run: ${quote(o.run)}   # must listen on $PORT`,
    '    routes:',
    `      - host: ${quote(o.host)}`,
    '    health:',
    `      path: ${quote(o.healthPath)}`,
    '    instances: 1',
    '    env:',
    '      NODE_ENV: production',
    '',
  ].join('\n');
}

function dnsLabel(name: string): string {
  const label = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return label || 'app';
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}
