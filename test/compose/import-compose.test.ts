// `slipway import compose` through the CLI: two compose files shaped like real ones (nginx in
// front of a web app and an API, PostgreSQL, Redis; a Python app with a worker) become
// slipway.yaml files that `slipway check` accepts; bad input gets coded errors and writes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CLI, REPO_ROOT } from '../helpers/e2e-project.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function slipway(cwd: string, args: readonly string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, SLIPWAY_STATE_DIR: join(cwd, '.slipway') } }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function fixture(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-compose-'));
  await cp(join(REPO_ROOT, 'test', 'fixtures', 'compose', name), dir, { recursive: true });
  return dir;
}

async function setSecrets(dir: string, names: readonly string[]): Promise<void> {
  const file = join(dir, 'value.tmp');
  await writeFile(file, 'imported-test-value');
  for (const name of names) {
    const r = await slipway(dir, ['secrets', 'set', name, '--from-file', file]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  }
  await rm(file);
}

test('import compose: web + API + PostgreSQL + Redis behind nginx becomes a slipway.yaml that check accepts', async () => {
  const dir = await fixture('shop');
  try {
    const r = await slipway(dir, ['import', 'compose', '--domain', 'shop.example', '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.services, ['web', 'api', 'db', 'cache']);
    assert.deepEqual(out.secrets, ['DATABASE_URL', 'SESSION_SECRET', 'db_password', 'jwt_key']);
    const paths = (out.untranslated as { path: string }[]).map((u) => u.path);
    for (const p of ['services.nginx', 'services.web.deploy.resources.reservations', 'services.api.networks', 'services.db.environment.POSTGRES_PASSWORD_FILE', 'networks']) {
      assert.ok(paths.includes(p), `${p} is listed as not translated: ${paths.join(', ')}`);
    }
    const text = await readFile(join(dir, 'slipway.yaml'), 'utf8');
    assert.ok(!text.includes('not-a-real-secret') && !r.stdout.includes('not-a-real-secret'), 'a secret-looking value is never copied or printed');
    assert.match(text, /^# {3}services\.nginx: is a reverse proxy/m, 'the file lists what was not translated');
    const cfg = parse(text);
    assert.equal(cfg.project, 'shop');
    assert.deepEqual(cfg.services.web, {
      dockerfile: 'web/Dockerfile',
      context: 'web',
      target: 'runtime',
      buildArgs: { NODE_ENV: 'production' },
      routes: [{ host: 'web.shop.example' }],
      env: { API_URL: 'http://${service:api.address}', SESSION_SECRET: '${secret:SESSION_SECRET}' },
      dependsOn: ['api'],
      health: { path: '/healthz', interval: '10s', timeout: '3s', fall: 3 },
      resources: { cpus: 0.5, memory: '256m' },
      readOnly: true,
      tmpfs: ['/tmp'],
      user: '1000:1000',
    });
    assert.deepEqual(cfg.services.api.run, ['node', 'server.js']);
    assert.equal(cfg.services.api.instances, 2);
    assert.equal(cfg.services.api.env.DATABASE_URL, '${secret:DATABASE_URL}');
    assert.equal(cfg.services.api.env.LOG_LEVEL, 'info');
    assert.deepEqual(cfg.services.api.resources, { cpus: 1, memory: '512m', pids: 200 });
    assert.deepEqual(cfg.services.api.dependsOn, ['db', 'cache']);
    assert.deepEqual(cfg.services.api.secretFiles, ['jwt_key']);
    assert.deepEqual(cfg.services.api.volumes, { uploads: { path: '/srv/uploads' } });
    assert.equal(cfg.services.api.envFile, '.env.api');
    assert.equal(cfg.services.db.kind, 'accessory');
    assert.deepEqual(cfg.services.db.health, { tcp: true, interval: '5s' });
    assert.deepEqual(cfg.services.db.resources, { memory: '1g' });
    assert.equal(cfg.services.cache.run, 'redis-server --appendonly yes');

    const fileOnly = await slipway(dir, ['check', '--skip-preflight']);
    assert.equal(fileOnly.code, 0, fileOnly.stdout + fileOnly.stderr);
    const missing = await slipway(dir, ['check']);
    assert.equal(missing.code, 2, 'check on this machine wants the secrets first');
    assert.match(missing.stderr + missing.stdout, /SLW_SECRETS_MISSING/);
    await setSecrets(dir, out.secrets);
    const full = await slipway(dir, ['check']);
    assert.equal(full.code, 0, full.stdout + full.stderr);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('import compose: a Python app with a worker: long ports, shell variables, bind mounts, replicas, placeholders without --domain', async () => {
  const dir = await fixture('notes');
  try {
    const r = await slipway(dir, ['import', 'compose', '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout);
    const paths = (out.untranslated as { path: string }[]).map((u) => u.path);
    assert.deepEqual(
      paths.sort(),
      ['services.app.environment.DEBUG', 'services.app.logging', 'services.app.ports[1]', 'services.app.volumes[1]'].sort(),
      'each key without an equivalent is listed by its path',
    );
    const cfg = parse(await readFile(join(dir, 'slipway.yaml'), 'utf8'));
    assert.deepEqual(cfg.services.app.routes, [{ host: 'app.localhost' }]);
    assert.equal(cfg.services.app.env.SECRET_KEY, '${secret:SECRET_KEY}');
    assert.equal(cfg.services.app.env.BROKER, 'redis://${service:redis.address}/0');
    assert.equal(cfg.services.app.stopTimeout, '90s');
    assert.deepEqual(cfg.services.app.capabilities, { add: ['NET_BIND_SERVICE'] });
    assert.deepEqual(cfg.services.app.health, { path: '/ready', interval: '30s', fall: 5, startTimeout: '120s' });
    assert.deepEqual(cfg.services.app.volumes, { 'notes-data': { path: '/data' } });
    assert.equal(cfg.services.worker.kind, 'worker');
    assert.equal(cfg.services.worker.instances, 2);
    assert.equal(cfg.services.worker.dockerfile, 'app/Dockerfile.prod');
    assert.deepEqual(cfg.services.redis, { image: 'redis:7', kind: 'accessory', health: { tcp: true }, resources: { pids: 100 } });
    assert.ok(out.notes.some((n: { path: string; message: string }) => n.path === 'services' && /placeholder hosts \(app\.localhost\)/.test(n.message)));
    await setSecrets(dir, out.secrets);
    const check = await slipway(dir, ['check']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('import compose: written elsewhere (--config), build paths stay right relative to the new file', async () => {
  const dir = await fixture('notes');
  try {
    const target = join(dir, 'deploy', 'slipway.yaml');
    await mkdir(join(dir, 'deploy'));
    const r = await slipway(dir, ['import', 'compose', 'compose.yaml', '--config', target]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const cfg = parse(await readFile(target, 'utf8'));
    assert.equal(cfg.services.app.dockerfile, '../app/Dockerfile.prod');
    assert.equal(cfg.services.app.context, '../app');
    const check = await slipway(dir, ['check', '--skip-preflight', '--config', target]);
    assert.equal(check.code, 0, check.stdout + check.stderr);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

async function importIn(files: Record<string, string>, args: readonly string[] = []): Promise<{ dir: string; r: Run }> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-compose-bad-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return { dir, r: await slipway(dir, ['import', 'compose', ...args]) };
}

const BAD: readonly { what: string; files: Record<string, string>; args?: string[]; code: string; says: RegExp }[] = [
  { what: 'no compose file', files: {}, code: 'SLW_COMPOSE_NOT_FOUND', says: /looked for compose\.yaml/ },
  { what: 'a named file that is missing', files: {}, args: ['nope.yml'], code: 'SLW_COMPOSE_NOT_FOUND', says: /nope\.yml does not exist/ },
  { what: 'broken YAML', files: { 'compose.yaml': 'services:\n  web: [\n' }, code: 'SLW_COMPOSE_SYNTAX', says: /compose\.yaml:\d+:\d+/ },
  { what: 'no services', files: { 'compose.yaml': 'volumes: {}\n' }, code: 'SLW_COMPOSE_INVALID', says: /services: is missing/ },
  {
    what: 'bad values, all listed',
    files: { 'compose.yaml': 'services:\n  web:\n    image: Web:Latest\n  api:\n    image: api\n    ports: ["eighty"]\n    deploy: { resources: { limits: { memory: lots } } }\n' },
    code: 'SLW_COMPOSE_INVALID',
    says: /services\.web\.image[^]*services\.api\.ports\[0\][^]*services\.api\.deploy\.resources\.limits\.memory/,
  },
  { what: 'only a reverse proxy', files: { 'compose.yaml': 'services:\n  proxy:\n    image: nginx:1.27\n    ports: ["80:80"]\n' }, code: 'SLW_COMPOSE_EMPTY', says: /None of the 1 compose services/ },
  { what: 'a bad --domain', files: { 'compose.yaml': 'services:\n  web:\n    image: web\n' }, args: ['--domain', 'https://Example.com'], code: 'SLW_COMPOSE_ROUTE_HOST', says: /not a host name/ },
];

for (const bad of BAD) {
  test(`import compose: ${bad.what} → ${bad.code}, nothing written`, async () => {
    const { dir, r } = await importIn(bad.files, bad.args);
    try {
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, new RegExp(bad.code));
      assert.match(r.stderr, bad.says);
      assert.equal(existsSync(join(dir, 'slipway.yaml')), false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

test('import compose: an existing slipway.yaml is kept unless --force', async () => {
  const { dir, r } = await importIn({ 'compose.yaml': 'services:\n  web:\n    image: web\n    ports: [3000]\n', 'slipway.yaml': 'mine\n' });
  try {
    assert.equal(r.code, 2);
    assert.match(r.stderr, /SLW_USAGE[^]*already exists/);
    assert.equal(await readFile(join(dir, 'slipway.yaml'), 'utf8'), 'mine\n');
    const forced = await slipway(dir, ['import', 'compose', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(parse(await readFile(join(dir, 'slipway.yaml'), 'utf8')).services.web.image, 'web');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
