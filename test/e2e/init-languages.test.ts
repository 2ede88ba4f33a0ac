// From `slipway init` to a served app, for three apps nobody here tuned for slipway: Node (a
// start script), Python (a WSGI app with requirements.txt: a virtualenv per release, gunicorn)
// and a static site (python's http.server). Each folder gets `init` and `check` from the real
// CLI, then all three deploy side by side to one daemon and one proxy, and each host answers
// with its own app. The `production` overlay only picks a free proxy port and short timings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CLI } from '../helpers/e2e-project.js';
import { appDir, DEBIAN_ENV, NODE_APP, STATIC_PAGE, WSGI_APP } from '../helpers/init-apps.js';
import { freePort } from '../../src/lib/free-port.js';
import { killRemaining, pidsWithEnv } from '../../src/lib/process-scan.js';

interface Run {
  readonly code: number;
  readonly out: string;
}

function slipway(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { cwd, env, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: stdout + stderr });
    });
  });
}

function get(port: number, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => void (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('init, check and deploy a Node app, a Python app with requirements.txt and a static site; each host serves its app', { timeout: 150_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), 'slipway-init-e2e-'));
  const stateDir = join(root, 'state');
  const mark = `e2e-${randomBytes(6).toString('hex')}`;
  const env = { ...DEBIAN_ENV, SLIPWAY_TEST_MARK: mark, SLIPWAY_STATE_DIR: stateDir };
  try {
    const apps = {
      'node-app': await appDir('node-app', { 'package.json': JSON.stringify({ name: 'node-app', scripts: { start: 'node server.js' } }), 'server.js': NODE_APP }),
      'py-app': await appDir('py-app', { 'app.py': WSGI_APP, 'requirements.txt': 'gunicorn\n' }),
      site: await appDir('site', { 'public/index.html': STATIC_PAGE }),
    };
    const port = await freePort();
    const overlay = [
      'environments:',
      '  production:',
      `    proxy: { http: ${port}, host: 127.0.0.1 }`,
      '    services:',
      '      web: { watch: 500ms, drain: 1s, health: { interval: 200ms, startTimeout: 60s } }',
      '',
    ].join('\n');
    // The three folders side by side: init, the overlay, check.
    await Promise.all(
      Object.entries(apps).map(async ([name, dir]) => {
        const init = await slipway(dir, ['init'], env);
        assert.equal(init.code, 0, init.out);
        assert.match(init.out, /wrote .*slipway\.yaml/);
        assert.doesNotMatch(init.out, /read PORT/, `${name}: ${init.out}`);
        const yaml = await readFile(join(dir, 'slipway.yaml'), 'utf8');
        if (name !== 'node-app') assert.doesNotMatch(yaml, /NODE_ENV|node /, `${name}:\n${yaml}`);
        await appendFile(join(dir, 'slipway.yaml'), overlay);
        const check = await slipway(dir, ['check', '--env', 'production'], env);
        assert.equal(check.code, 0, `${name}: ${check.out}\n${yaml}`);
      }),
    );
    const daemon = await slipway(apps['node-app'], ['daemon', '--detach', '--env', 'production'], env);
    assert.equal(daemon.code, 0, daemon.out);
    const deploys = await Promise.all(Object.values(apps).map((dir) => slipway(dir, ['deploy', '--env', 'production'], env)));
    for (const d of deploys) assert.equal(d.code, 0, d.out);
    assert.deepEqual(await get(port, 'node-app.localhost'), { status: 200, body: 'hello from node\n' });
    const py = await get(port, 'py-app.localhost');
    assert.equal(py.status, 200);
    assert.match(py.body, /^hello from wsgi \S+\n$/);
    const site = await get(port, 'site.localhost');
    assert.equal(site.status, 200);
    assert.equal(site.body, STATIC_PAGE);
  } finally {
    await killRemaining(() => pidsWithEnv([`SLIPWAY_TEST_MARK=${mark}`, `SLIPWAY_OWNER=${stateDir}`]), 0);
    await rm(root, { recursive: true, force: true });
  }
});
