// Issue 7: concurrent writers of the encrypted store. Real CLI processes started at once
// (`secrets set`, `generate`, `rotate`) all keep their change; a lock left by a killed process
// is taken over with a note; a live lock held too long fails with SLW_SECRETS_LOCKED and
// changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlipwayError } from '../../src/errors.js';
import { acquireFileLock, lockPath } from '../../src/lib/file-lock.js';
import { SecretStore } from '../../src/secrets/store.js';
import { CLI, REPO_ROOT } from '../helpers/e2e-project.js';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts the CLI now; the promise settles when it exits. */
function start(args: readonly string[], cwd: string): Promise<Run> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, SLIPWAY_STATE_DIR: '', SLIPWAY_SECRETS_KEY: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((done) => child.on('close', (code) => done({ code: code ?? 1, stdout, stderr })));
}

async function withDir(fn: (dir: string, state: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-lock-'));
  try {
    await fn(dir, join(dir, 'state'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const store = (state: string, extra: Partial<ConstructorParameters<typeof SecretStore>[0]> = {}) => new SecretStore({ stateDir: state, env: 'production', environ: {}, ...extra });
const N = 8;
const valueOf = (i: number) => `concurrent-value-${i}-${'x'.repeat(i)}-Zq9`;

test(`${N} CLI writers at once (set on a fresh store, then set, generate and rotate): every change kept, the store opens, nothing left over or shown`, { timeout: 120_000 }, async () => {
  await withDir(async (dir, state) => {
    const common = ['--state-dir', state, '--env', 'production', '--config', join(dir, 'none.yaml')];
    for (let i = 0; i < N; i++) await writeFile(join(dir, `v${i}`), valueOf(i));
    // Round 1: no key and no store yet; all N create them at once.
    const first = await Promise.all(Array.from({ length: N }, (_, i) => start(['secrets', 'set', `NAME_${i}`, '--from-file', join(dir, `v${i}`), ...common], dir)));
    for (const r of first) assert.equal(r.code, 0, r.stderr);
    const s = store(state);
    assert.deepEqual((await s.list()).map((x) => [x.name, x.version]), Array.from({ length: N }, (_, i) => [`NAME_${i}`, 1]));
    for (let i = 0; i < N; i++) assert.equal((await s.get(`NAME_${i}`)).reveal(), valueOf(i));

    // Round 2: replace half, rotate two from files, generate two new ones, all at once.
    for (let i = 0; i < N; i++) await writeFile(join(dir, `w${i}`), `${valueOf(i)}-second`);
    const second = await Promise.all([
      ...[0, 1, 2, 3].map((i) => start(['secrets', 'set', `NAME_${i}`, '--from-file', join(dir, `w${i}`), ...common], dir)),
      ...[4, 5].map((i) => start(['secrets', 'rotate', `NAME_${i}`, '--from-file', join(dir, `w${i}`), ...common], dir)),
      ...['GEN_A', 'GEN_B'].map((name) => start(['secrets', 'generate', name, '--kind', 'hex', '--bytes', '16', ...common], dir)),
    ]);
    for (const r of second) assert.equal(r.code, 0, r.stderr);
    const list = await s.list();
    assert.deepEqual(
      list.map((x) => `${x.name} v${x.version}`),
      ['GEN_A v1', 'GEN_B v1', ...Array.from({ length: N }, (_, i) => `NAME_${i} v${i < 6 ? 2 : 1}`)],
    );
    for (let i = 0; i < N; i++) assert.equal((await s.get(`NAME_${i}`)).reveal(), i < 6 ? `${valueOf(i)}-second` : valueOf(i));
    assert.match((await s.get('GEN_A')).reveal(), /^[0-9a-f]{32}$/);

    // One key file, the store, nothing else: no lock, break or temp file left behind.
    assert.deepEqual((await readdir(join(state, 'secrets'))).sort(), ['key', 'production.enc']);
    for (const r of [...first, ...second]) {
      for (let i = 0; i < N; i++) assert.ok(!(r.stdout + r.stderr).includes(`concurrent-value-${i}`), 'a value was printed');
    }
  });
});

test('a lock left by a killed process is taken over, with a note naming its pid', { timeout: 60_000 }, async () => {
  await withDir(async (dir, state) => {
    const s = store(state);
    await s.set('BEFORE', 'value-before-1234');
    // A real process takes the store's lock and is killed while holding it.
    const holder = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', `import { acquireFileLock } from ${JSON.stringify(join(REPO_ROOT, 'src/lib/file-lock.ts'))};
const lock = await acquireFileLock(${JSON.stringify(s.file)});
if (!lock.ok) process.exit(3);
console.log('locked');
setInterval(() => {}, 1000);`],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const [line] = (await once(holder.stdout, 'data')) as [Buffer];
      assert.equal(line.toString().trim(), 'locked');
      assert.equal(JSON.parse(await readFile(lockPath(s.file), 'utf8')).pid, holder.pid);
    } finally {
      if (holder.pid !== undefined && holder.exitCode === null) process.kill(holder.pid, 'SIGKILL');
    }
    await once(holder, 'exit');
    assert.ok(existsSync(lockPath(s.file)), 'the killed process left its lock');
    await writeFile(join(dir, 'v'), 'value-after-5678');
    const r = await start(['secrets', 'set', 'AFTER', '--from-file', join(dir, 'v'), '--state-dir', state, '--env', 'production'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`note: took over the lock of the secret store of environment "production": pid ${holder.pid} took it at .* and is no longer running`));
    assert.deepEqual((await s.list()).map((x) => x.name), ['AFTER', 'BEFORE']);
    assert.equal(existsSync(lockPath(s.file)), false);

    // A pid that is alive but names another process (its start time differs) is stale too.
    await writeFile(lockPath(s.file), JSON.stringify({ pid: process.pid, start: '1', host: hostname(), since: new Date().toISOString(), token: 'reused-pid' }));
    const notes: string[] = [];
    await store(state, { onNote: (t) => notes.push(t) }).set('THIRD', 'value-third-9012');
    assert.equal(notes.length, 1);
    assert.equal((await s.get('THIRD')).reveal(), 'value-third-9012');
  });
});

test('a live lock held too long: SLW_SECRETS_LOCKED naming the holder, the store unchanged; free again once released', { timeout: 60_000 }, async () => {
  await withDir(async (dir, state) => {
    const s = store(state);
    await s.set('KEPT', 'value-kept-1234');
    const before = await readFile(s.file);
    const lock = await acquireFileLock(s.file);
    assert.ok(lock.ok);
    try {
      const started = Date.now();
      await assert.rejects(store(state, { lockWaitMs: 400 }).set('NEW', 'value-new-5678'), (err: unknown) => {
        assert.ok(err instanceof SlipwayError);
        assert.equal(err.code, 'SLW_SECRETS_LOCKED');
        assert.match(err.message, new RegExp(`locked by pid ${process.pid} on .* since .*; nothing was changed`));
        assert.ok(!err.message.includes('value-new'));
        return true;
      });
      assert.ok(Date.now() - started >= 400, 'it waited');
      await assert.rejects(store(state, { lockWaitMs: 100 }).markDeployed(['KEPT']), /locked by pid/);
      // The CLI waits its 10 s, then fails with the code (and --json carries it).
      await writeFile(join(dir, 'v'), 'value-cli-0000');
      const r = await start(['secrets', 'set', 'NEW', '--from-file', join(dir, 'v'), '--state-dir', state, '--env', 'production', '--json'], dir);
      assert.notEqual(r.code, 0);
      assert.equal(JSON.parse(r.stdout.trim()).error.code, 'SLW_SECRETS_LOCKED');
      assert.deepEqual(await readFile(s.file), before, 'the store is unchanged');
    } finally {
      await lock.release();
    }
    assert.equal(existsSync(lockPath(s.file)), false);
    await s.set('NEW', 'value-new-5678');
    assert.deepEqual((await s.list()).map((x) => x.name), ['KEPT', 'NEW']);
  });
});
