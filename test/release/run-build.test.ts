import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readProcStat } from '../../src/drivers/local/proc-stat.js';
import { runBuild } from '../../src/release/run-build.js';
import type { SlipwayError } from '../../src/errors.js';

const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
const node = (script: string) => [process.execPath, '-e', script];

describe('runBuild', () => {
  let dir: string;
  let log: string;
  const spawned: number[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-build-'));
    log = join(dir, 'logs', 'build.log');
  });
  after(async () => {
    for (const pid of spawned) {
      if (readProcStat(pid)) process.kill(pid, 'SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the build in cwd with the given env and appends its output to the log', async () => {
    const { ms } = await runBuild({
      argv: node('console.log("built in " + process.cwd() + " as " + process.env.MODE); console.error("warn")'),
      cwd: dir, env: { ...env, MODE: 'prod' }, logFile: log, timeoutMs: 10_000,
    });
    assert.ok(ms >= 0);
    const text = await readFile(log, 'utf8');
    assert.match(text, new RegExp(`built in ${dir} as prod`));
    assert.match(text, /warn/);
  });

  it('fails with SLW_BUILD_FAILED, the exit code and the last 20 lines of this run only', async () => {
    const err = await runBuild({
      argv: node('for (let i = 1; i <= 30; i++) console.log("step " + i); process.exit(3)'),
      cwd: dir, env, logFile: log, timeoutMs: 10_000,
    }).then(() => undefined, (e: SlipwayError) => e);
    assert.equal(err?.code, 'SLW_BUILD_FAILED');
    assert.equal(err?.details?.['exitCode'], 3);
    const lastLines = err?.details?.['lastLines'] as string[];
    assert.equal(lastLines.length, 20);
    assert.equal(lastLines[0], 'step 11');
    assert.equal(lastLines[19], 'step 30');
    const short = await runBuild({ argv: node('console.log("only"); process.exit(1)'), cwd: dir, env, logFile: log, timeoutMs: 10_000 })
      .then(() => undefined, (e: SlipwayError) => e);
    assert.deepEqual(short?.details?.['lastLines'], ['only'], 'earlier runs in the same log are not included');
  });

  it('stops the whole process group on timeout with SLW_BUILD_TIMEOUT', async () => {
    const script = `
      const { spawn } = require('node:child_process');
      const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      console.log('child ' + c.pid);
      process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
      setInterval(() => {}, 1000);`;
    const began = Date.now();
    const err = await runBuild({ argv: node(script), cwd: dir, env, logFile: log, timeoutMs: 500, killGraceMs: 200 })
      .then(() => undefined, (e: SlipwayError) => e);
    assert.equal(err?.code, 'SLW_BUILD_TIMEOUT');
    assert.equal(err?.details?.['reason'], 'timeout');
    assert.ok(Date.now() - began >= 500);
    const child = Number(/child (\d+)/.exec(await readFile(log, 'utf8'))?.[1]);
    spawned.push(child);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stat = readProcStat(child);
    assert.ok(stat === undefined || stat.state === 'Z', 'the build child was killed with the group');
  });

  it('stops on abort, and reports a missing command', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(
      runBuild({ argv: node('setInterval(() => {}, 1000)'), cwd: dir, env, logFile: log, timeoutMs: 10_000, signal: controller.signal }),
      { code: 'SLW_BUILD_TIMEOUT', message: /cancelled/ },
    );
    await assert.rejects(
      runBuild({ argv: ['slipway-no-such-build-tool'], cwd: dir, env, logFile: log, timeoutMs: 1000 }),
      { code: 'SLW_BUILD_SPAWN_FAILED' },
    );
  });
});
