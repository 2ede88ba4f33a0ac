// The daemon's config checker (src/daemon/config-checker.ts): a real child process that reads and
// checks slipway.yaml for the daemon. It must give what an in-process load gives (the config, or
// the same coded errors), leave when idle, and fail a check cleanly when it dies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigChecker } from '../../src/daemon/config-checker.js';
import { loadConfig } from '../../src/config/load.js';
import { SlipwayError } from '../../src/errors.js';

const service = (name: string, host: string): string =>
  `  ${name}:\n    source: .\n    run: python3 -m http.server $PORT\n    routes: [{ host: ${host} }]\n    health: { path: / }\n`;

/** Two projects, each with two services, and one broken file (a bad port and an unknown key). */
async function projects(): Promise<{ dir: string; shop: string; blog: string; broken: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-checker-'));
  const file = async (name: string, text: string): Promise<string> => {
    await mkdir(join(dir, name), { recursive: true });
    await writeFile(join(dir, name, 'slipway.yaml'), text);
    return join(dir, name, 'slipway.yaml');
  };
  const shop = await file('shop', `version: 1\nproject: shop\nservices:\n${service('web', 'shop.localhost')}${service('api', 'api.shop.localhost')}`);
  const blog = await file('blog', `version: 1\nservices:\n${service('web', 'blog.localhost')}${service('admin', 'admin.blog.localhost')}`);
  const broken = await file('broken', `version: 1\nproxy: { http: 70000 }\nservices:\n${service('web', 'x.localhost')}    colour: blue\n`);
  return { dir, shop, blog, broken };
}

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function caught(promise: Promise<unknown>): Promise<SlipwayError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof SlipwayError, String(err));
    return err;
  }
  assert.fail('expected an error');
}

test('the checker gives the config an in-process load gives, frozen, for two projects; a bad file gives the same coded error', { timeout: 60_000 }, async () => {
  const p = await projects();
  const checker = new ConfigChecker({ idleMs: 30_000 });
  try {
    for (const file of [p.shop, p.blog]) {
      const config = await checker.load({ file });
      assert.deepEqual(config, await loadConfig({ file }));
      assert.ok(Object.isFrozen(config) && Object.isFrozen(config.services), 'the config is frozen like an in-process one');
    }
    assert.deepEqual(Object.keys((await checker.load({ file: p.blog })).services), ['web', 'admin']);
    const viaChecker = await caught(checker.load({ file: p.broken }));
    const inProcess = await caught(loadConfig({ file: p.broken }));
    assert.equal(viaChecker.code, 'SLW_CONFIG_INVALID');
    assert.deepEqual(viaChecker.toJSON(), inProcess.toJSON());
    assert.ok((viaChecker.details?.issues as unknown[]).length >= 2, viaChecker.message);
    assert.equal((await caught(checker.load({ file: join(p.dir, 'none.yaml') }))).code, 'SLW_CONFIG_NOT_FOUND');
    // Two checks at once are answered each with its own result.
    const [a, b] = await Promise.all([checker.load({ file: p.shop }), checker.load({ file: p.blog })]);
    assert.equal(a.project, 'shop');
    assert.equal(b.project, 'blog');
  } finally {
    await checker.close();
    await rm(p.dir, { recursive: true, force: true });
  }
});

test('the checker leaves when idle, a later check starts a new one, and close() stops it', { timeout: 60_000 }, async () => {
  const p = await projects();
  const checker = new ConfigChecker({ idleMs: 300 });
  try {
    await checker.load({ file: p.shop });
    const first = checker.pid;
    assert.ok(alive(first), 'the checker runs after a check');
    const until = Date.now() + 10_000;
    while (alive(first) && Date.now() < until) await sleep(50);
    assert.ok(!alive(first), 'the checker left after 300 ms without a check');
    assert.equal(checker.pid, undefined);
    await checker.load({ file: p.blog });
    const second = checker.pid;
    assert.ok(alive(second) && second !== first, 'a later check started a new checker');
    await checker.close();
    assert.ok(!alive(second), 'close() stopped it');
  } finally {
    await checker.close();
    await rm(p.dir, { recursive: true, force: true });
  }
});

test('a checker killed while it works fails that check with SLW_CONFIG_CHECKER_FAILED; the next check works', { timeout: 60_000 }, async () => {
  const p = await projects();
  const checker = new ConfigChecker({ idleMs: 30_000 });
  try {
    await checker.load({ file: p.shop });
    const pid = checker.pid ?? -1;
    const pending = checker.load({ file: p.blog });
    process.kill(pid, 'SIGKILL');
    const err = await caught(pending).catch(() => undefined);
    // The answer may have come before the signal; when it did not, the error is the coded one.
    if (err) {
      assert.equal(err.code, 'SLW_CONFIG_CHECKER_FAILED');
      assert.match(err.message, /exited \(SIGKILL\)/);
    }
    const until = Date.now() + 5_000;
    while (alive(pid) && Date.now() < until) await sleep(20);
    assert.equal((await checker.load({ file: p.blog })).project, 'blog');
    assert.notEqual(checker.pid, pid);
  } finally {
    await checker.close();
    await rm(p.dir, { recursive: true, force: true });
  }
});

test('projectOf: the name a file gives, remembered while the file is unchanged, read again once it changes', { timeout: 60_000 }, async () => {
  const p = await projects();
  const checker = new ConfigChecker({ idleMs: 200 });
  try {
    assert.equal(await checker.projectOf(p.shop), 'shop');
    assert.equal(await checker.projectOf(p.blog), 'blog', 'no project: key: the folder name');
    const until = Date.now() + 10_000;
    while (checker.pid !== undefined && Date.now() < until) await sleep(50);
    assert.equal(checker.pid, undefined);
    assert.equal(await checker.projectOf(p.shop), 'shop');
    assert.equal(checker.pid, undefined, 'an unchanged file is answered without starting the checker');
    await writeFile(p.shop, `version: 1\nproject: store\nservices:\n${service('web', 'shop.localhost')}`);
    assert.equal(await checker.projectOf(p.shop), 'store');
  } finally {
    await checker.close();
    await rm(p.dir, { recursive: true, force: true });
  }
});
