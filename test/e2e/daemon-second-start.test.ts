// A second daemon on the same state directory is refused while the first answers (its control
// API client loads only then: src/daemon/daemon.ts) and leaves the first one's socket and pid file
// in place; a socket left by a killed daemon does not stop the next one from starting; a stopped
// daemon removes its own socket and pid file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cli, daemonPid, destroyProject, isAlive, makeProject, waitFor } from '../helpers/e2e-project.js';

test('a second daemon is refused while one answers; a stale socket from a killed one is not; stop removes socket and pid file', { timeout: 120_000 }, async () => {
  const p = await makeProject({ instances: 1, watch: '0s' });
  try {
    const first = await cli(p, ['daemon', '--detach', '--json']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const pid = await waitFor('the first daemon pid', () => daemonPid(p));

    const second = await cli(p, ['daemon', '--json']);
    assert.notEqual(second.code, 0, second.stdout + second.stderr);
    assert.match(second.stdout + second.stderr, /SLW_DAEMON_ALREADY_RUNNING/);
    assert.ok(isAlive(pid), 'the first daemon still runs');
    // The refused daemon leaves the running one's socket and pid file alone: the CLI still reaches it.
    assert.ok(existsSync(join(p.stateDir, 'daemon.sock')), 'the running daemon keeps its socket');
    assert.equal(await daemonPid(p), pid, 'the running daemon keeps its pid file');
    const reached = await cli(p, ['status', '--json']);
    assert.equal(reached.json?.daemon?.pid, pid, reached.stdout + reached.stderr);

    process.kill(pid, 'SIGKILL');
    await waitFor('the first daemon gone', () => (isAlive(pid) ? undefined : true));
    assert.ok(existsSync(join(p.stateDir, 'daemon.sock')), 'the killed daemon left its socket behind');
    const third = await cli(p, ['daemon', '--detach', '--json']);
    assert.equal(third.code, 0, third.stdout + third.stderr);
    // Once the daemon answers, its own pid is on file (not the killed one's).
    const next = await daemonPid(p);
    assert.equal(next, third.json?.pid, 'the pid file names the daemon that answers');
    assert.ok(next !== undefined && next !== pid && isAlive(next));
    const status = await cli(p, ['status', '--json']);
    assert.equal(status.json?.daemon?.pid, next, status.stdout);

    // A stopped daemon takes its socket and pid file with it: nothing left names a dead daemon.
    const stop = await cli(p, ['stop', '--json']);
    assert.equal(stop.code, 0, stop.stdout + stop.stderr);
    await waitFor('the stopped daemon gone', () => (isAlive(next) ? undefined : true));
    assert.equal(existsSync(join(p.stateDir, 'daemon.sock')), false, 'the stopped daemon removed its socket');
    assert.equal(await daemonPid(p), undefined, 'the stopped daemon removed its pid file');
  } finally {
    await cli(p, ['stop', '--json']).catch(() => undefined);
    await destroyProject(p);
  }
});
