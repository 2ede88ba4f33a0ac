import { execFile } from 'node:child_process';
import { mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './e2e-project.js';

const run = promisify(execFile);

/**
 * slipway as it was at `commit`, built from this repository's own history into a temp dir
 * (its src/ and bin/ only, compiled with today's TypeScript and node_modules, and its CLI bundled
 * when that commit bundled it): the real older
 * program, for upgrade tests. Fails loudly when the commit is not in the clone's history.
 */
export async function buildAt(commit: string): Promise<{ readonly dir: string; readonly cli: string }> {
  await run('git', ['-C', REPO_ROOT, 'cat-file', '-e', `${commit}^{commit}`]).catch((err: unknown) => {
    throw new Error(`commit ${commit} is not in this clone's history (a full clone is needed for the upgrade test): ${String(err)}`);
  });
  const dir = await mkdtemp(join(tmpdir(), `slipway-${commit.slice(0, 7)}-`));
  const tar = join(dir, 'src.tar');
  await run('git', ['-C', REPO_ROOT, 'archive', '--format=tar', '-o', tar, commit, 'src', 'bin', 'package.json', 'tsconfig.json']);
  await run('tar', ['-xf', tar, '-C', dir]);
  await symlink(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  await writeFile(join(dir, 'tsconfig.old.json'), JSON.stringify({ extends: './tsconfig.json', include: ['src/**/*.ts'], compilerOptions: { incremental: false, sourceMap: false } }));
  await run(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.old.json'], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
  // A commit whose bin runs the bundled CLI: bundle it as that commit's build did.
  const bundler = 'scripts/bundle-cli.mjs';
  if (await run('git', ['-C', REPO_ROOT, 'cat-file', '-e', `${commit}:${bundler}`]).then(() => true, () => false)) {
    await run('git', ['-C', REPO_ROOT, 'archive', '--format=tar', '-o', tar, commit, bundler]);
    await run('tar', ['-xf', tar, '-C', dir]);
    await run(process.execPath, [join(dir, bundler)], { cwd: dir });
  }
  return { dir, cli: join(dir, 'bin', 'slipway.js') };
}
