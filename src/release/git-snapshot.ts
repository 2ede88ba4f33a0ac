import { spawn } from 'node:child_process';
import { relative, sep } from 'node:path';
import { SlipwayError } from '../errors.js';
import { runCapture } from './run-capture.js';

/** Where `source` sits in its git work tree. */
export interface GitLocation {
  /** The work tree's top level: `git archive` resolves tree paths from there. */
  readonly toplevel: string;
  /** Path of `source` from the top level, with a trailing `/` (empty at the top). */
  readonly prefix: string;
  readonly commit: string;
}

export interface GitSnapshot {
  readonly commit: string;
  readonly dirty: boolean;
}

/** Git's own environment variables would point it at another repository: drop them. */
function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0' };
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_CEILING_DIRECTORIES']) {
    delete env[name];
  }
  return env;
}

const git = (source: string, ...args: string[]) => runCapture(['git', '-C', source, ...args], source, gitEnv());

/**
 * The source's git location, or undefined when it is not inside a git work tree (or git is
 * not installed). Throws SLW_SOURCE_NOT_COMMITTED when HEAD holds nothing for the source.
 */
export async function locateInGit(source: string): Promise<GitLocation | undefined> {
  const where = await git(source, 'rev-parse', '--is-inside-work-tree', '--show-toplevel', '--show-prefix');
  const [inside, toplevel = '', prefix = ''] = where.stdout.split('\n');
  if (where.code !== 0 || inside !== 'true' || !toplevel) return undefined;
  const head = await git(source, 'rev-parse', '--verify', '--quiet', 'HEAD^{commit}');
  const tree = await git(source, 'cat-file', '-t', `HEAD:${prefix}`);
  if (head.code !== 0 || tree.stdout.trim() !== 'tree') {
    throw new SlipwayError('SLW_SOURCE_NOT_COMMITTED', `${source} is in a git work tree, but HEAD has no commit holding it.`, {
      details: { source, prefix },
    });
  }
  return { toplevel, prefix, commit: head.stdout.trim() };
}

/** `git status --porcelain` over the source, leaving out paths slipway itself writes there. */
export async function isDirty(source: string, exclude: readonly string[]): Promise<boolean> {
  const pathspecs = ['.'];
  for (const path of exclude) {
    const rel = relative(source, path);
    if (rel && !rel.startsWith('..') && !rel.startsWith(sep)) pathspecs.push(`:(exclude)${rel.split(sep).join('/')}`);
  }
  const status = await git(source, 'status', '--porcelain', '--', ...pathspecs);
  if (status.code !== 0) throw failed('git status', status.stderr);
  return status.stdout.trim() !== '';
}

function failed(what: string, stderr: string): SlipwayError {
  return new SlipwayError('SLW_SOURCE_SNAPSHOT_FAILED', `${what} failed: ${stderr.trim() || 'no output'}.`, {
    details: { stderr: stderr.trim().split('\n').slice(-20) },
  });
}

/** `git archive HEAD:<prefix> | tar -x -C into`: exactly the committed files, modes kept. */
async function extractTree(toplevel: string, treeish: string, into: string): Promise<void> {
  const archive = spawn('git', ['-C', toplevel, 'archive', '--format=tar', treeish], { env: gitEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const tar = spawn('tar', ['-x', '-f', '-', '-C', into, '--no-same-owner'], { stdio: ['pipe', 'ignore', 'pipe'] });
  archive.stdout.pipe(tar.stdin);
  tar.stdin.on('error', () => undefined); // tar died early: its exit status says why
  const stderr = { git: '', tar: '' };
  archive.stderr.on('data', (chunk: Buffer) => (stderr.git += chunk.toString()));
  tar.stderr.on('data', (chunk: Buffer) => (stderr.tar += chunk.toString()));
  const exit = (child: typeof archive | typeof tar) =>
    new Promise<number>((resolve) => {
      child.once('error', () => resolve(-1));
      child.once('close', (code) => resolve(code ?? -1));
    });
  const [gitCode, tarCode] = await Promise.all([exit(archive), exit(tar)]);
  if (gitCode !== 0) throw failed(`git archive ${treeish}`, stderr.git);
  if (tarCode !== 0) throw failed('tar -x', stderr.tar);
}

/** Writes the committed state (HEAD) of the source into `into` and says whether the work tree differs. */
export async function gitSnapshot(source: string, location: GitLocation, into: string, exclude: readonly string[]): Promise<GitSnapshot> {
  await extractTree(location.toplevel, `${location.commit}:${location.prefix}`, into);
  return { commit: location.commit, dirty: await isDirty(source, exclude) };
}
