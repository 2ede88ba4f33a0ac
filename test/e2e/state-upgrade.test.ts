// A state directory written by slipway 0.1.0 (the build of commit 11ad81e, made from this
// repository's history) upgrades in place while its app keeps serving; a state file emptied or
// removed under running apps makes the daemon refuse to start, and the apps keep serving. A
// refused first deploy leaves the old state unnamed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, destroyProject, makeProject, setVersion, type CliResult, type Project } from '../helpers/e2e-project.js';
import { LoadGenerator } from '../helpers/load.js';
import { buildAt } from '../helpers/old-build.js';

const V010 = '11ad81e';

const cliOf = (program: string, p: Project, args: readonly string[]): Promise<CliResult> => cli(p, args, {}, program);

test('0.1.0 state upgrades in place under load; lost state is refused while the apps keep serving', { timeout: 600_000 }, async () => {
  const old = await buildAt(V010);
  const p = await makeProject({ instances: 2, watch: '1s', drain: '3s' });
  let load: LoadGenerator | undefined;
  try {
    // slipway 0.1.0 deploys v1 then v2 (v1 kept warm), then its daemon stops and leaves the apps serving.
    assert.equal((await cliOf(old.cli, p, ['daemon', '--detach'])).code, 0);
    for (const v of ['v1', 'v2']) {
      await setVersion(p, v);
      const d = await cliOf(old.cli, p, ['deploy', '--json']);
      assert.equal(d.code, 0, `0.1.0 deploy ${v}: ${d.stdout}${d.stderr}`);
    }
    load = new LoadGenerator({ port: p.port, host: 'hello.localhost', rps: 100, loops: 4 });
    assert.equal((await cliOf(old.cli, p, ['stop', '--keep-apps'])).code, 0);

    // This build takes over: the state is copied aside and upgraded; the release serving stays.
    const started = await cli(p, ['daemon', '--detach']);
    assert.equal(started.code, 0, started.stdout + started.stderr);
    assert.equal((await readdir(p.stateDir)).filter((f) => /^state\.db\.v0-.*\.bak$/.test(f)).length, 1, 'a copy of the 0.1.0 file');
    const status = await cli(p, ['status', '--json']);
    assert.equal(status.json.services[0].activeRelease, 'r2');
    // A first deploy whose file fails its check leaves the 0.1.0 state as it was: not taken over
    // by the project the file names (it used to be adopted before the check).
    const good = await readFile(p.configFile, 'utf8');
    await writeFile(p.configFile, `${good}bogus: 1\n`);
    const bad = await cli(p, ['deploy', '--json']);
    assert.notEqual(bad.code, 0, 'a config that fails its check is refused');
    assert.equal(bad.json.error.code, 'SLW_CONFIG_INVALID');
    const names = (await cli(p, ['projects', '--json'])).json.projects.map((x: { name: string }) => x.name);
    assert.deepEqual(names, [''], 'the 0.1.0 state stays unnamed');
    await writeFile(p.configFile, good);
    const back = await cli(p, ['rollback', '--json']);
    assert.equal(back.code, 0, back.stdout + back.stderr);
    assert.equal(back.json.results[0].release, 'r1', 'the warm 0.1.0 release is one switch away');
    await setVersion(p, 'v3');
    const next = await cli(p, ['deploy', '--json']);
    assert.equal(next.code, 0, next.stdout + next.stderr);
    assert.equal(next.json.results[0].release, 'r3', 'numbering carries on');

    // The state file emptied under running apps: the daemon refuses, nothing is stopped.
    assert.equal((await cli(p, ['stop', '--keep-apps'])).code, 0);
    await truncate(join(p.stateDir, 'state.db'), 0);
    await rm(join(p.stateDir, 'state.db-wal'), { force: true });
    await rm(join(p.stateDir, 'state.db-shm'), { force: true });
    const refused = await cli(p, ['daemon', '--detach', '--json']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stdout + refused.stderr, /SLW_STATE_LOST/);
    // And removed altogether.
    await rm(join(p.stateDir, 'state.db'), { force: true });
    const missing = await cli(p, ['daemon', '--detach']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stdout + missing.stderr, /SLW_STATE_LOST/);
    assert.deepEqual((await readdir(p.stateDir)).filter((f) => f === 'state.db'), [], 'no new empty state file was left behind');

    await new Promise((r) => setTimeout(r, 1000));
    await load.stop();
    assert.deepEqual(load.failures, [], `failed requests: ${JSON.stringify(load.failures.slice(0, 5))}`);
    assert.ok(load.ok > 300, `only ${load.ok} requests answered`);
  } finally {
    await load?.stop();
    await destroyProject(p);
    await rm(old.dir, { recursive: true, force: true });
  }
});
