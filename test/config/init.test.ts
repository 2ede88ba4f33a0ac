import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { detectApp } from '../../src/config/init.js';
import { loadConfig } from '../../src/config/load.js';
import { removeTempDirs, tempDir } from '../helpers/init-apps.js';

after(removeTempDirs);

async function appDir(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(await tempDir('slipway-init-'), name);
  await mkdir(join(dir, 'src'), { recursive: true });
  for (const [path, text] of Object.entries(files)) await writeFile(join(dir, path), text);
  return dir;
}

test('a node app with start and build scripts, reading PORT, with /healthz', async () => {
  const dir = await appDir('My_Shop', {
    'package.json': JSON.stringify({ scripts: { start: 'node src/server.js', build: 'tsc -p .' } }),
    'package-lock.json': '{}',
    'src/server.js': "app.get('/healthz', ok); app.listen(process.env.PORT);\n",
  });
  const { yaml, notes } = await detectApp(dir);
  assert.deepEqual(notes, []);
  await writeFile(join(dir, 'slipway.yaml'), yaml);
  const config = await loadConfig({ file: join(dir, 'slipway.yaml') });
  const web = config.services['web'];
  assert.deepEqual(web?.run, ['node', 'src/server.js']);
  assert.deepEqual(web?.build, ['sh', '-c', 'npm ci && npm run build']);
  assert.deepEqual(web?.routes, [{ host: 'my-shop.localhost', path: '/' }]);
  assert.equal(web?.health.path, '/healthz');
  assert.equal(web?.source, dir);
  assert.equal(config.proxy.http, 8080);
});

test('notes when PORT is not read and no health route exists; ${ in scripts stays literal', async () => {
  const dir = await appDir('api', {
    'package.json': JSON.stringify({ scripts: { start: 'node server.js --name ${USER}' } }),
    'server.js': 'require("http").createServer(h).listen(3000);\n',
  });
  const { yaml, notes } = await detectApp(dir);
  assert.equal(notes.length, 2);
  assert.match(notes[0] ?? '', /does not seem to read PORT/);
  assert.match(notes[1] ?? '', /No \/health or \/healthz route/);
  await writeFile(join(dir, 'slipway.yaml'), yaml);
  const config = await loadConfig({ file: join(dir, 'slipway.yaml') });
  assert.deepEqual(config.services['web']?.run, ['sh', '-c', 'node server.js --name ${USER}']);
  assert.deepEqual(config.services['web']?.build, ['npm', 'install', '--omit=dev']);
  assert.equal(config.services['web']?.health.path, '/');
});

test('a start script that needs node_modules/.bin falls back to npm start', async () => {
  const dir = await appDir('site', {
    'package.json': JSON.stringify({ scripts: { start: 'next start' } }),
    'src/app.ts': "export const port = Number(process.env.PORT); route('/health');\n",
  });
  const { yaml, notes } = await detectApp(dir);
  assert.deepEqual(notes, ['run uses `npm start` because "next" comes from node_modules/.bin.']);
  await writeFile(join(dir, 'slipway.yaml'), yaml);
  const config = await loadConfig({ file: join(dir, 'slipway.yaml') });
  assert.deepEqual(config.services['web']?.run, ['npm', 'start']);
  assert.equal(config.services['web']?.health.path, '/health');
});

test('a start script that passes $PORT (json-server --port $PORT) reads PORT: no PORT note', async () => {
  const dir = await appDir('mock-api', {
    'package.json': JSON.stringify({ scripts: { start: 'json-server db.json --port $PORT' } }),
    'db.json': '{ "posts": [] }\n',
  });
  const { yaml, notes } = await detectApp(dir);
  assert.ok(!notes.some((n) => /read PORT/.test(n)), notes.join('\n'));
  assert.deepEqual(notes.filter((n) => !/health/.test(n)), ['run uses `npm start` because "json-server" comes from node_modules/.bin.']);
  await writeFile(join(dir, 'slipway.yaml'), yaml);
  const config = await loadConfig({ file: join(dir, 'slipway.yaml') });
  assert.deepEqual(config.services['web']?.run, ['npm', 'start']);
  assert.deepEqual(config.services['web']?.env, { NODE_ENV: 'production' });
});

test('a start script bound to 0.0.0.0 gets the 127.0.0.1 form suggested', async () => {
  const dir = await appDir('bound', {
    'package.json': JSON.stringify({ scripts: { start: 'node server.js --host 0.0.0.0 --port $PORT' } }),
    'server.js': "app.get('/health', ok);\n",
  });
  const { notes } = await detectApp(dir);
  assert.deepEqual(notes, ['run listens on 0.0.0.0 (every network interface), so the app can be reached around the proxy (its TLS, limits and auth); slipway reaches instances on 127.0.0.1. Suggested: `node server.js --host 127.0.0.1 --port $PORT`.']);
});
