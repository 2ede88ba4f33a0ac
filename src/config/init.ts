/**
 * `slipway init`: a commented slipway.yaml guessed from the app in a directory. A Procfile's
 * lines win; otherwise the first language that recognises the folder: Node (a start script or
 * main), Python, Ruby, Go, Node from file names alone, a static site.
 */
import { basename, join, resolve } from 'node:path';
import { SlipwayError } from '../errors.js';
import { bindAllNote, exists, mentionsPort, type AppGuess, type DetectOptions, type Detector } from './init-guess.js';
import { detectGo } from './init-go.js';
import { detectNode } from './init-node.js';
import { readProcfile, type Procfile } from './init-procfile.js';
import { detectPython } from './init-python.js';
import { detectRuby } from './init-ruby.js';
import { scanSource } from './init-scan.js';
import { detectStatic } from './init-static.js';
import { yamlScalar } from './yaml-adapter.js';

export type { DetectOptions } from './init-guess.js';

export interface DetectedApp {
  readonly yaml: string;
  /** Things the user should know or do (e.g. "your app does not read PORT"). */
  readonly notes: string[];
  /** What the folder was recognised as (`procfile` when only a Procfile said how to run it). */
  readonly kind: AppGuess['kind'] | 'procfile' | 'dockerfile';
}

const DETECTORS: readonly Detector[] = [detectNode, detectPython, detectRuby, detectGo, detectStatic];

interface ServiceText {
  readonly name: string;
  readonly kind: 'web' | 'worker';
  readonly run: string;
  readonly build: string | undefined;
  readonly release?: string | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly healthPath?: string;
  readonly host?: string;
  /** A container service built from this Dockerfile (no run: the image's CMD). */
  readonly dockerfile?: string;
}

export async function detectApp(dir: string, o: DetectOptions = {}): Promise<DetectedApp> {
  const root = resolve(dir);
  const procfile = await readProcfile(root);
  const guess = await firstGuess(root, o);
  const dockerfile = await exists(join(root, 'Dockerfile'));
  // Only a Dockerfile says how to run the app: a container service built from it.
  if (!guess && procfile?.web === undefined && dockerfile) return dockerfileApp(root);
  if (!guess && procfile?.web === undefined) {
    throw new SlipwayError('SLW_USAGE', `No app found in ${root}: slipway init looks for a Procfile, package.json, requirements.txt, pyproject.toml or *.py, a Gemfile or config.ru, go.mod, index.html.`, {
      hint: 'Run slipway init in the app\'s folder, or write slipway.yaml by hand (`slipway schema` lists every key).',
    });
  }
  const notes: string[] = [];
  if (dockerfile) {
    notes.push(`A Dockerfile is here too; this config runs the app as a process${guess ? ` (detected: ${guess.kind})` : ''}. To run it as a container instead (Docker or Podman, no registry), replace \`run:\` and \`build:\` with \`dockerfile: ./Dockerfile\`; the app must then listen on $PORT on every interface inside the container.`);
  }
  const adapt = guess?.adapt ?? ((c: string) => c);
  const web = procfile?.web;
  const run = web !== undefined ? adapt(web) : (guess?.run ?? '');
  if (web !== undefined) notes.push(`run comes from the Procfile's web line${run !== web ? ` (with the release's virtualenv: \`${run}\`)` : ''}.`);
  notes.push(...(web !== undefined ? (guess?.notes ?? []).filter((n) => !n.startsWith('run ')) : (guess?.notes ?? [])));
  // Detectors write 127.0.0.1 themselves, or note a start script that does not.
  const bindAll = web !== undefined ? bindAllNote("The Procfile's web command", web) : undefined;
  if (bindAll) notes.push(bindAll);
  const facts = await scanSource(root);
  const readsPort = web !== undefined ? mentionsPort(web) || facts.readsPort : guess?.commandReadsPort === true || facts.readsPort;
  if (!readsPort) {
    const hint = guess?.portHint || 'pass $PORT to the server (e.g. `--port $PORT`) or read PORT in the code.';
    notes.push(`Your app does not seem to read PORT. slipway starts each instance on its own port and passes it in PORT: ${hint}`);
  }
  if (!facts.healthPath && guess?.kind !== 'static') {
    notes.push('No /health or /healthz route found; health checks will probe "/". A dedicated cheap health route is better.');
  }
  const env = guess?.env ?? {};
  const services: ServiceText[] = [
    { name: 'web', kind: 'web', run, build: guess?.build, release: procfile?.release !== undefined ? adapt(procfile.release) : undefined, env, healthPath: facts.healthPath ?? '/', host: `${dnsLabel(basename(root))}.localhost` },
    ...workersOf(procfile, adapt).map(([name, command]) => ({ name, kind: 'worker' as const, run: command, build: guess?.build, env })),
  ];
  return { yaml: render(services), notes, kind: guess?.kind ?? 'procfile' };
}

/** A folder whose only recipe is a Dockerfile: one web service built from it on this host. */
async function dockerfileApp(root: string): Promise<DetectedApp> {
  const facts = await scanSource(root);
  const notes = [
    'Only a Dockerfile says how to run this app: the service is built from it on this host (Docker or Podman; no registry) and runs its CMD.',
    'slipway gives the container PORT and publishes that port on 127.0.0.1: the app must listen on $PORT on every interface (0.0.0.0) inside the container.',
  ];
  if (!facts.healthPath) notes.push('No /health or /healthz route found; health checks will probe "/". A dedicated cheap health route is better.');
  const web: ServiceText = { name: 'web', kind: 'web', run: '', build: undefined, env: {}, healthPath: facts.healthPath ?? '/', host: `${dnsLabel(basename(root))}.localhost`, dockerfile: './Dockerfile' };
  return { yaml: render([web]), notes, kind: 'dockerfile' };
}

async function firstGuess(root: string, o: DetectOptions): Promise<AppGuess | undefined> {
  for (const detect of DETECTORS) {
    const guess = await detect(root, o);
    if (guess) return guess;
  }
  return undefined;
}

function workersOf(procfile: Procfile | undefined, adapt: (c: string) => string): [string, string][] {
  return [...(procfile?.workers ?? new Map<string, string>())].filter(([name]) => name !== 'web').map(([name, command]) => [name, adapt(command)]);
}

const quote = (text: string) => yamlScalar(text.replaceAll('${', () => '$${'));

function render(services: readonly ServiceText[]): string {
  return [
    '# slipway.yaml: see `slipway schema` for every key.',
    'version: 1',
    'proxy:',
    '  http: 8080          # port 80 needs root; change it for production',
    'services:',
    ...services.flatMap(renderService),
    '',
  ].join('\n');
}

function renderService(s: ServiceText): string[] {
  const env = Object.entries(s.env);
  return [
    `  ${s.name}:`,
    ...(s.kind === 'worker' ? ['    kind: worker'] : []),
    ...(s.dockerfile ? [`    dockerfile: ${quote(s.dockerfile)}   # built on this host; the container must listen on $PORT`] : ['    source: .']),
    ...(s.build ? [`    build: ${quote(s.build)}`] : []),
    ...(s.release ? [`    release: ${quote(s.release)}   # once per deploy, before the new release starts`] : []),
    ...(s.dockerfile ? [] : [s.kind === 'web' ? `    run: ${quote(s.run)}   # must listen on $PORT` : `    run: ${quote(s.run)}`]),
    ...(s.kind === 'web' ? ['    routes:', `      - host: ${quote(s.host ?? 'app.localhost')}`, '    health:', `      path: ${quote(s.healthPath ?? '/')}`] : []),
    '    instances: 1',
    ...(env.length > 0 ? ['    env:', ...env.map(([k, v]) => `      ${k}: ${quote(v)}`)] : []),
  ];
}

function dnsLabel(name: string): string {
  const label = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return label || 'app';
}
