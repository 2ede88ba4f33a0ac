// `slipway init` beyond Node: Python (WSGI under gunicorn, ASGI under uvicorn, Django, a plain
// script), Ruby (Rack under Puma, with Bundler), Go, a static site, a Procfile, a Dockerfile.
// Each writes a config that passes every stage of `check` (preflight included, on a Debian
// PATH), and Ruby, Go, ASGI and a busybox-served site are built and run as written and answer.
// Node, a Python app with requirements and a python-served site are deployed in
// test/e2e/init-languages.test.ts.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { detectApp, type DetectOptions } from '../../src/config/init.js';
import { checkConfig } from '../../src/config/load.js';
import type { ServiceSpec } from '../../src/config/model.js';
import { freePort } from '../../src/lib/free-port.js';
import { SlipwayError } from '../../src/errors.js';
import { appDir, ASGI_APP, buildAndServe, DEBIAN_ENV, FLASK_APP, GO_APP, RACK_APP, removeTempDirs, STATIC_PAGE, tempDir, WSGI_APP } from '../helpers/init-apps.js';

after(removeTempDirs);

/** init, then all four stages of check (preflight on this machine) with a free proxy port; no issue, no warning. */
async function initAndCheck(dir: string, o: DetectOptions = { environ: DEBIAN_ENV }): Promise<{ services: Record<string, ServiceSpec>; notes: string[]; yaml: string }> {
  const { yaml, notes } = await detectApp(dir, o);
  const file = join(dir, 'slipway.yaml');
  // Port 8080 may be taken on this machine: the test's own free port instead.
  assert.match(yaml, /\n  http: 8080 /);
  await writeFile(file, yaml.replace('\n  http: 8080 ', `\n  host: 127.0.0.1\n  http: ${await freePort()} `));
  const stateDir = await tempDir('slipway-init-state-');
  const { config, issues, warnings = [] } = await checkConfig({ file, preflight: { stateDir, environ: DEBIAN_ENV } });
  assert.deepEqual([...issues, ...warnings], [], yaml);
  assert.ok(config);
  return { services: config.services, notes, yaml };
}

const noNodeAdvice = (notes: readonly string[], yaml: string) => {
  assert.doesNotMatch(yaml, /NODE_ENV|node /);
  assert.ok(!notes.some((n) => /process\.env/.test(n)), notes.join('\n'));
};

test('a Flask app with app.py and requirements.txt: gunicorn from a virtualenv on 127.0.0.1:$PORT, no Node advice', async () => {
  const dir = await appDir('flask-shop', { 'app.py': FLASK_APP, 'requirements.txt': 'Flask==2.2.2\ngunicorn\n' });
  const { services, notes, yaml } = await initAndCheck(dir);
  const web = services['web'];
  assert.deepEqual(web?.build, ['sh', '-c', 'python3 -m venv --system-site-packages .venv && .venv/bin/pip install -r requirements.txt']);
  assert.deepEqual(web?.run, ['sh', '-c', '.venv/bin/python -m gunicorn --bind 127.0.0.1:$PORT app:app']);
  assert.deepEqual(web?.env, { PYTHONUNBUFFERED: '1' });
  assert.deepEqual(web?.routes, [{ host: 'flask-shop.localhost', path: '/' }]);
  noNodeAdvice(notes, yaml);
  assert.ok(!notes.some((n) => /read PORT/.test(n)), notes.join('\n'));
});

test('an ASGI app without requirements: Debian\'s uvicorn serves it as written', async () => {
  const dir = await appDir('asgi', { 'asgi.py': ASGI_APP });
  const { services, notes, yaml } = await initAndCheck(dir);
  const web = services['web'];
  assert.equal(web?.build, undefined);
  assert.deepEqual(web?.run, ['sh', '-c', 'uvicorn asgi:app --host 127.0.0.1 --port $PORT']);
  noNodeAdvice(notes, yaml);
  assert.equal(await buildAndServe(dir, web!), 'hello from asgi\n');
});

test('FastAPI without uvicorn in requirements, Django, and a plain script each get their own command and advice', async () => {
  const fastapi = await appDir('api', { 'main.py': 'from fastapi import FastAPI\n\napi = FastAPI()\n', 'requirements.txt': 'fastapi\n' });
  const a = await initAndCheck(fastapi);
  assert.deepEqual(a.services['web']?.run, ['sh', '-c', '.venv/bin/python -m uvicorn main:api --host 127.0.0.1 --port $PORT']);
  assert.ok(a.notes.some((n) => n.startsWith('uvicorn is not among the requirements')), a.notes.join('\n'));

  const django = await appDir('site', {
    'manage.py': "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n",
    'mysite/wsgi.py': 'application = get_wsgi_application()\n',
    'requirements.txt': 'Django>=4\ngunicorn\n',
  });
  const d = await initAndCheck(django);
  assert.deepEqual(d.services['web']?.run, ['sh', '-c', '.venv/bin/python -m gunicorn --bind 127.0.0.1:$PORT mysite.wsgi']);

  const script = await appDir('tool', { 'app.py': 'import http.server\nhttp.server.HTTPServer(("127.0.0.1", 8000), http.server.SimpleHTTPRequestHandler).serve_forever()\n' });
  const s = await initAndCheck(script);
  assert.deepEqual(s.services['web']?.run, ['python3', 'app.py']);
  const port = s.notes.find((n) => /does not seem to read PORT/.test(n)) ?? '';
  assert.match(port, /os\.environ\['PORT'\]/);
  noNodeAdvice(s.notes, s.yaml);
});

test('a Rack app with a Gemfile: bundle install, then Puma on 127.0.0.1:$PORT; it answers as written', async () => {
  const dir = await appDir('rack-app', { 'config.ru': RACK_APP, Gemfile: 'source "https://rubygems.org"\ngem "rack"\ngem "puma"\n' });
  // A real app ships its Gemfile.lock; this one locks the gems this machine has (no network here).
  await promisify(execFile)('bundle', ['lock', '--local'], { cwd: dir, env: DEBIAN_ENV });
  const { services, notes, yaml } = await initAndCheck(dir);
  const web = services['web'];
  assert.deepEqual(web?.build, ['bundle', 'install']);
  assert.deepEqual(web?.run, ['sh', '-c', 'bundle exec puma -b tcp://127.0.0.1:$PORT config.ru']);
  assert.deepEqual(web?.env, { RACK_ENV: 'production' });
  noNodeAdvice(notes, yaml);
  assert.ok(!notes.some((n) => /read PORT/.test(n)), notes.join('\n'));
  assert.equal(await buildAndServe(dir, web!), 'hello from rack\n');
});

test('a Ruby script that ignores PORT gets Ruby advice', async () => {
  const dir = await appDir('rb', { 'app.rb': 'require "socket"\nTCPServer.new("127.0.0.1", 4567)\n' });
  const { services, notes } = await initAndCheck(dir);
  assert.deepEqual(services['web']?.run, ['ruby', 'app.rb']);
  assert.match(notes.find((n) => /does not seem to read PORT/.test(n)) ?? '', /ENV\.fetch\('PORT'\)/);
});

test('a Go module: go build into the release, then the binary; it answers as written', async () => {
  const dir = await appDir('go-app', { 'go.mod': 'module example.com/hello\n\ngo 1.19\n', 'main.go': GO_APP });
  const { services, notes, yaml } = await initAndCheck(dir);
  const web = services['web'];
  assert.deepEqual(web?.build, ['go', 'build', '-o', 'bin/app', '.']);
  assert.deepEqual(web?.run, ['./bin/app']);
  assert.deepEqual(web?.env, {});
  noNodeAdvice(notes, yaml);
  assert.ok(!notes.some((n) => /read PORT/.test(n)), notes.join('\n'));
  assert.equal(await buildAndServe(dir, web!, { ...DEBIAN_ENV, GOCACHE: join(dir, '.gocache') }), 'hello from go\n');
});

test('a Go server under cmd/ is found; one that ignores PORT gets Go advice', async () => {
  const dir = await appDir('svc', { 'go.mod': 'module example.com/svc\n', 'cmd/api/main.go': 'package main\n\nfunc main() {}\n' });
  const { services, notes } = await initAndCheck(dir);
  assert.deepEqual(services['web']?.build, ['go', 'build', '-o', 'bin/app', './cmd/api']);
  assert.match(notes.find((n) => /does not seem to read PORT/.test(n)) ?? '', /os\.Getenv\("PORT"\)/);
});

test('a static site is served by python3, or by busybox httpd where there is no python3; busybox answers as written', async () => {
  const dir = await appDir('docs-site', { 'public/index.html': STATIC_PAGE, 'public/style.css': 'p{}\n' });
  const withPython = await detectApp(dir, { environ: DEBIAN_ENV });
  assert.match(withPython.yaml, /run: python3 -m http.server \$PORT --bind 127.0.0.1 --directory public/);
  assert.equal(withPython.kind, 'static');
  const bin = await tempDir('slipway-init-bin-');
  await symlink('/usr/bin/busybox', join(bin, 'busybox'));
  const { services, notes } = await initAndCheck(dir, { environ: { PATH: bin } });
  const web = services['web'];
  assert.deepEqual(web?.run, ['sh', '-c', 'busybox httpd -f -p 127.0.0.1:$PORT -h public']);
  assert.equal(web?.build, undefined);
  assert.deepEqual(notes, []);
  assert.equal(await buildAndServe(dir, web!), STATIC_PAGE);
});

test("a Procfile's web line wins over the guess; its worker becomes a worker service and its release line the release hook", async () => {
  const dir = await appDir('heroku-app', {
    'app.py': WSGI_APP,
    'requirements.txt': 'gunicorn\n',
    Procfile: '# processes\nweb: gunicorn app:app --bind 0.0.0.0:$PORT --workers 2\nworker: python3 jobs.py\nrelease: python3 migrate.py\n',
  });
  const { services, notes } = await initAndCheck(dir);
  const web = services['web'];
  assert.deepEqual(web?.run, ['sh', '-c', '.venv/bin/python -m gunicorn app:app --bind 0.0.0.0:$PORT --workers 2']);
  assert.deepEqual(web?.release, ['.venv/bin/python', 'migrate.py']);
  const worker = services['worker'];
  assert.equal(worker?.kind, 'worker');
  assert.deepEqual(worker?.run, ['.venv/bin/python', 'jobs.py']);
  assert.deepEqual(worker?.routes, []);
  assert.deepEqual(worker?.build, web?.build);
  const bind = notes.find((n) => n.startsWith("The Procfile's web command listens on 0.0.0.0")) ?? '';
  assert.match(bind, /Suggested: `gunicorn app:app --bind 127\.0\.0\.1:\$PORT --workers 2`/);
  assert.ok(notes.some((n) => n.startsWith("run comes from the Procfile's web line")), notes.join('\n'));
});

test('a Procfile alone (no language recognised) still gives a config that checks', async () => {
  const dir = await appDir('bare', { Procfile: 'web: busybox httpd -f -p 127.0.0.1:$PORT -h .\n', 'index.txt': 'hi\n' });
  const { services, notes } = await initAndCheck(dir);
  assert.deepEqual(services['web']?.run, ['sh', '-c', 'busybox httpd -f -p 127.0.0.1:$PORT -h .']);
  assert.ok(!notes.some((n) => /read PORT/.test(n)), notes.join('\n'));
});

test('a Dockerfile beside a recognised app: the config runs the app as a process and says how to switch to the container', async () => {
  const dir = await appDir('boxed', { Dockerfile: 'FROM python:3.11-slim\nCOPY . /app\nCMD ["gunicorn", "app:app"]\n', 'app.py': WSGI_APP, 'requirements.txt': 'gunicorn\n' });
  const { services, notes, yaml } = await initAndCheck(dir);
  assert.match(notes[0] ?? '', /Dockerfile is here too.*\(detected: python\).*dockerfile: \.\/Dockerfile/);
  assert.doesNotMatch(yaml, /dockerfile:/);
  assert.deepEqual(services['web']?.run, ['sh', '-c', '.venv/bin/python -m gunicorn --bind 127.0.0.1:$PORT app:app']);
});

test('a Dockerfile alone: a container service built from it, which check accepts', async () => {
  const dir = await appDir('only-docker', { Dockerfile: 'FROM busybox\nCOPY index.txt /www/\nCMD ["sh", "-c", "exec busybox httpd -f -p 0.0.0.0:$PORT -h /www"]\n', 'index.txt': 'hi\n' });
  const { services, notes, yaml } = await initAndCheck(dir);
  assert.match(yaml, /^ {4}dockerfile: \.\/Dockerfile/m);
  assert.doesNotMatch(yaml, /^ {4}run:/m);
  assert.equal(services['web']?.container?.kind, 'dockerfile');
  assert.deepEqual(services['web']?.routes.map((r) => r.host), ['only-docker.localhost']);
  assert.ok(notes.some((n) => /every interface \(0\.0\.0\.0\) inside the container/.test(n)), notes.join('\n'));
});

test('a folder with no app in it is refused with SLW_USAGE, saying what init looks for', async () => {
  const dir = await appDir('empty', { 'README.md': '# nothing\n' });
  await assert.rejects(detectApp(dir), (err: unknown) => err instanceof SlipwayError && err.code === 'SLW_USAGE' && /Procfile, package\.json, requirements\.txt/.test(err.message));
});
