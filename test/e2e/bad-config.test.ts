// Acceptance 6: each bad config fixture gives its specific code and location through the
// CLI, starts nothing and changes no state — with and without a running daemon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../../src/api/client.js';
import { cli, destroyProject, instancePids, makeProject, REPO_ROOT, releasesOf, type Project, startAndDeploy } from '../helpers/e2e-project.js';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'bad-config');

interface Fixture {
  readonly name: string;
  readonly file: string;
  readonly code: string;
  readonly line: number;
  readonly col: number;
  readonly env: string | undefined;
}

async function fixtures(): Promise<Fixture[]> {
  const names = (await readdir(FIXTURES)).filter((n) => n.endsWith('.yaml')).sort();
  return Promise.all(
    names.map(async (name) => {
      const text = await readFile(join(FIXTURES, name), 'utf8');
      const expect = /^# expect: (SLW_[A-Z_]+) (\d+):(\d+)$/m.exec(text);
      assert.ok(expect, `${name} declares no expectation`);
      return {
        name,
        file: join(FIXTURES, name),
        code: expect[1] ?? '',
        line: Number(expect[2]),
        col: Number(expect[3]),
        env: /^# env: (\S+)$/m.exec(text)?.[1],
      };
    }),
  );
}

/** A project whose --config points at a fixture (the state dir stays the project's). */
function withConfig(p: Project, file: string): Project {
  return { ...p, configFile: file };
}

test('every bad fixture: its own code and file:line:col, exit 2, no state created', { timeout: 300_000 }, async () => {
  const list = await fixtures();
  assert.ok(list.length >= 20, `only ${list.length} fixtures`);
  assert.ok(new Set(list.map((f) => f.code)).size >= 20, 'fewer than 20 distinct codes');
  const dir = await mkdtemp(join(tmpdir(), 'slipway-badcfg-'));
  try {
    for (const f of list) {
      const stateDir = join(dir, f.name);
      const p: Project = { dir, appDir: dir, configFile: f.file, stateDir, port: 0, mark: 'badcfg' };
      const args = ['deploy', '--json', '--state-dir', stateDir, ...(f.env ? ['--env', f.env] : [])];
      const r = await cli(p, args);
      assert.equal(r.code, 2, `${f.name}: exit ${r.code} ${r.stdout}${r.stderr}`);
      assert.equal(r.json.ok, false);
      const issues: { code: string; location?: { line: number; col: number; file: string } }[] = r.json.error.details?.issues ?? [];
      const hit = issues.find((i) => i.code === f.code);
      assert.ok(hit, `${f.name}: expected ${f.code}, got ${JSON.stringify(issues.map((i) => i.code))}`);
      assert.deepEqual([hit.location?.line, hit.location?.col], [f.line, f.col], `${f.name}: location`);
      assert.equal(hit.location?.file, f.file);
      assert.equal(existsSync(stateDir), false, `${f.name}: the state dir was created`);
    }
    const text = await cli({ dir, appDir: dir, configFile: join(FIXTURES, 'duration-bare-number.yaml'), stateDir: join(dir, 'x'), port: 0, mark: 'badcfg' }, ['check']);
    assert.equal(text.code, 2);
    assert.match(text.stderr, /duration-bare-number\.yaml:\d+:\d+ SLW_CONFIG_BAD_DURATION/);
    assert.match(text.stderr, /hint: /);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('with a daemon running, a bad config starts nothing and changes no state', { timeout: 120_000 }, async () => {
  const p = await makeProject({ instances: 1, watch: '1s' });
  try {
    await startAndDeploy(p);
    const before = {
      status: (await cli(p, ['status', '--json'])).json.services,
      history: (await cli(p, ['history', '--json'])).json.deployments,
      pids: await instancePids(p),
      releases: await readdir(releasesOf(p, 'web')),
    };
    const daemonLog = join(p.stateDir, 'logs', 'daemon.log');
    for (const f of (await fixtures()).slice(0, 8)) {
      const logged = (await readFile(daemonLog, 'utf8')).length;
      const flags = ['--state-dir', p.stateDir, ...(f.env ? ['--env', f.env] : [])];
      const r = await cli(withConfig(p, f.file), ['deploy', '--json', ...flags]);
      assert.equal(r.code, 2, `${f.name}: ${r.stdout}`);
      // The CLI leaves the file to the daemon (which refused it) and then words the problems
      // exactly as `slipway check` does: same JSON error, same text with file:line:col.
      const refused = (await readFile(daemonLog, 'utf8')).slice(logged);
      assert.match(refused, /"method":"deploy"[^\n]*"code":"SLW_CONFIG_/, `${f.name}: the daemon was asked and refused (its log: ${refused})`);
      const check = await cli(withConfig(p, f.file), ['check', '--json', ...flags]);
      assert.deepEqual(r.json.error, check.json.error, f.name);
      const text = await cli(withConfig(p, f.file), ['deploy', ...flags]);
      const checkText = await cli(withConfig(p, f.file), ['check', ...flags]);
      assert.equal(text.code, 2);
      assert.equal(text.stderr, checkText.stderr, f.name);
      assert.match(text.stderr, new RegExp(`${f.name.replace('.', '\\.')}:${f.line}:${f.col} ${f.code}`), `${f.name}: ${text.stderr}`);
      // The daemon validates too, whatever a client sends it.
      const api = new ApiClient(join(p.stateDir, 'daemon.sock'));
      const last = await api.stream('deploy', { configFile: f.file, ...(f.env ? { env: f.env } : {}) }, () => undefined);
      assert.equal(last.type, 'error');
      assert.ok(last.type === 'error' && last.error.code.startsWith('SLW_CONFIG_'), `${f.name}: ${JSON.stringify(last)}`);
    }
    const after = {
      status: (await cli(p, ['status', '--json'])).json.services,
      history: (await cli(p, ['history', '--json'])).json.deployments,
      pids: await instancePids(p),
      releases: await readdir(releasesOf(p, 'web')),
    };
    assert.deepEqual(after, before);

    // A broken config never keeps the daemon from coming back to supervise what runs.
    await writeFile(p.configFile, 'version: 1\nservices:\n  web:\n    run: [\n');
    assert.equal((await cli(p, ['stop', '--keep-apps'])).code, 0);
    const restarted = await cli(p, ['daemon', '--detach']);
    assert.equal(restarted.code, 0, restarted.stdout + restarted.stderr);
    const again = (await cli(p, ['status', '--json'])).json.services;
    assert.deepEqual(again[0].instances.map((i: { pid: number }) => i.pid), before.status[0].instances.map((i: { pid: number }) => i.pid));
  } finally {
    await destroyProject(p);
  }
});
