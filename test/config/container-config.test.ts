import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { checkConfig } from '../../src/config/load.js';
import { IMAGE_REF_PATTERN } from '../../src/config/container-schema.js';

async function check(yaml: string, files: Record<string, string> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-container-config-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(dir, path, '..'), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    await writeFile(join(dir, 'slipway.yaml'), yaml);
    const result = await checkConfig({ file: join(dir, 'slipway.yaml') });
    return { ...result, dir };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const where = (issues: readonly { code: string; path: string; location?: { line: number; col: number } | undefined }[]) =>
  issues.map((i) => `${i.code} ${i.path} ${i.location?.line}:${i.location?.col}`);

test('image: used as is, no run needed (the image CMD); volumes at absolute container paths', async () => {
  const { config, issues } = await check(`version: 1\nservices:\n  web:\n    image: localhost/app:v2\n    routes: [{ host: app.localhost }]\n    volumes:\n      data: { path: /data }\n`);
  assert.deepEqual(issues, []);
  const web = config?.services['web'];
  assert.deepEqual(web?.container, { kind: 'image', image: 'localhost/app:v2' });
  assert.deepEqual(web?.run, []);
  assert.deepEqual(web?.volumes, { data: { path: '/data' } });
});

test('dockerfile: context defaults to its directory, target and build args kept; paths resolved', async () => {
  const { config, issues, dir } = await check(
    `version: 1\nservices:\n  web:\n    dockerfile: docker/web.Dockerfile\n    context: .\n    target: runtime\n    buildArgs: { NODE_ENV: production, LEVEL: 3 }\n  api:\n    dockerfile: api/Dockerfile\n`,
    { 'docker/web.Dockerfile': 'FROM scratch\n', 'api/Dockerfile': 'FROM scratch\n' },
  );
  assert.deepEqual(issues, []);
  assert.deepEqual(config?.services['web']?.container, { kind: 'dockerfile', context: dir, dockerfile: 'docker/web.Dockerfile', target: 'runtime', buildArgs: { NODE_ENV: 'production', LEVEL: '3' } });
  assert.deepEqual(config?.services['api']?.container, { kind: 'dockerfile', context: join(dir, 'api'), dockerfile: 'Dockerfile', buildArgs: {} });
});

test('container config errors are coded issues with file:line:col, all at once', async () => {
  const { config, issues } = await check(
    [
      'version: 1',
      'services:',
      '  both:',
      '    image: app:1',
      '    dockerfile: Dockerfile',
      '  bad-name:',
      '    image: "App Name:latest"',
      '  orphan-args:',
      '    run: node a.js',
      '    target: build',
      '  missing:',
      '    dockerfile: nope/Dockerfile',
      '  outside:',
      '    dockerfile: Dockerfile',
      '    context: sub',
      '  host-only:',
      '    image: app:1',
      '    build: make',
      '    release: ./migrate',
      '  rel-volume:',
      '    image: app:1',
      '    volumes: { data: { path: ./data } }',
      '  nothing:',
      '    routes: []',
      '',
    ].join('\n'),
    { Dockerfile: 'FROM scratch\n', 'sub/keep': '' },
  );
  assert.equal(config, undefined);
  assert.deepEqual(where(issues).sort(), [
    'SLW_CONFIG_CONTAINER_FIELD services.host-only.build 18:12',
    'SLW_CONFIG_CONTAINER_FIELD services.host-only.release 19:14',
    'SLW_CONFIG_DOCKERFILE_CONTEXT services.outside.dockerfile 14:17',
    'SLW_CONFIG_DOCKERFILE_FIELD services.orphan-args.target 10:13',
    'SLW_CONFIG_DOCKERFILE_MISSING services.missing.dockerfile 12:17',
    'SLW_CONFIG_IMAGE_CONFLICT services.both.dockerfile 5:17',
    'SLW_CONFIG_IMAGE_NAME services.bad-name.image 7:12',
    'SLW_CONFIG_MISSING_KEY services.nothing.run 24:5',
    'SLW_CONFIG_VOLUME_PATH services.rel-volume.volumes.data.path 22:30',
  ]);
});

test('secrets never reach an image: a secret reference in buildArgs is refused', async () => {
  const { config, issues } = await check(`version: 1\nsecrets:\n  token: {}\nservices:\n  web:\n    dockerfile: Dockerfile\n    buildArgs: { TOKEN: "\${secret:token}" }\n`, { Dockerfile: 'FROM scratch\n' });
  assert.equal(config, undefined);
  assert.equal(issues.length, 1);
  assert.equal(issues[0]?.path, 'services.web.buildArgs.TOKEN');
  assert.match(issues[0]?.code ?? '', /^SLW_CONFIG_/);
});

test('image references: well-formed ones pass, upper case names, spaces and empty parts do not (property)', () => {
  const part = fc.stringMatching(/^[a-z0-9]{1,8}$/);
  const good = fc
    .record({ host: fc.option(fc.constantFrom('localhost', 'ghcr.io', 'registry.local:5000')), path: fc.array(part, { minLength: 1, maxLength: 3 }), tag: fc.option(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/)) })
    .map(({ host, path, tag }) => `${host ? `${host}/` : ''}${path.join('/')}${tag ? `:${tag}` : ''}`);
  fc.assert(fc.property(good, (ref) => IMAGE_REF_PATTERN.test(ref)));
  // A space anywhere, or an upper-case letter in the last path part, is never a reference.
  fc.assert(fc.property(good, fc.nat(), (ref, at) => !IMAGE_REF_PATTERN.test(`${ref.slice(0, at % (ref.length + 1))} ${ref.slice(at % (ref.length + 1))}`)));
  fc.assert(fc.property(good, (ref) => !IMAGE_REF_PATTERN.test(ref.replace(/([a-z0-9]+)(:[^/]*)?$/, 'X$1$2'))));
  // No slow backtracking on long hostile input.
  const started = performance.now();
  fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => typeof IMAGE_REF_PATTERN.test(text) === 'boolean'));
  assert.equal(IMAGE_REF_PATTERN.test(`${'a-'.repeat(5000)}!`), false);
  assert.ok(performance.now() - started < 2000);
  for (const ref of ['busybox', 'nginx:1.27', 'localhost/slipway-busybox:test', 'my_app__x/a-b.c:TAG_1']) assert.ok(IMAGE_REF_PATTERN.test(ref), ref);
  for (const ref of ['', 'Nginx', 'a b', 'app:', ':tag', 'a//b', 'app:-x']) assert.ok(!IMAGE_REF_PATTERN.test(ref), ref);
});

test('limits and isolation: normalized for a container service; a process gets memory/pids/openFiles only, the rest refused with codes; bad sizes are coded', async () => {
  const good = await check(
    `version: 1\nservices:\n  web:\n    image: app:1\n    resources: { memory: 256m, cpus: 0.5, pids: 100, openFiles: 4096 }\n    user: "1000:1000"\n    readOnly: true\n    tmpfs: [/tmp]\n    capabilities: { add: [NET_BIND_SERVICE] }\n  bare:\n    image: app:1\n  proc:\n    run: node a.js\n    user: nobody\n    resources: { memory: 2g, pids: 64, openFiles: 1024 }\n  plain:\n    run: node a.js\n`,
  );
  assert.deepEqual(good.issues, []);
  assert.deepEqual(good.config?.services['web']?.isolation, { memoryBytes: 256 * 1024 * 1024, cpus: 0.5, pids: 100, openFiles: 4096, user: '1000:1000', readOnly: true, tmpfs: ['/tmp'], capAdd: ['NET_BIND_SERVICE'] });
  assert.deepEqual(good.config?.services['bare']?.isolation, { readOnly: false, tmpfs: [], capAdd: [] }, 'every capability dropped by default');
  assert.deepEqual(good.config?.services['proc']?.isolation, { memoryBytes: 2 * 1024 ** 3, pids: 64, openFiles: 1024, readOnly: false, tmpfs: [], capAdd: [] }, 'a process gets its rlimits');
  assert.equal(good.config?.services['plain']?.isolation, undefined, 'a process without limits has none');
  const bad = await check(
    `version: 1\nservices:\n  proc:\n    run: node a.js\n    resources: { memory: 1g, cpus: 1 }\n    readOnly: true\n    user: "1000:1000"\n  web:\n    image: app:1\n    tmpfs: [/tmp]\n    resources: { memory: 12x, cpus: 0 }\n  solo:\n    run: node a.js\n    resources: { pids: 10, openFiles: 8 }\n`,
  );
  assert.equal(bad.config, undefined);
  assert.deepEqual(where(bad.issues).sort(), [
    'SLW_CONFIG_CONTAINER_ONLY services.proc.readOnly 6:15',
    'SLW_CONFIG_CONTAINER_ONLY services.proc.resources.cpus 5:36',
    'SLW_CONFIG_CONTAINER_ONLY services.solo.resources.pids 14:24',
    'SLW_CONFIG_CONTAINER_ONLY services.web.tmpfs 10:12',
    'SLW_CONFIG_INVALID_TYPE services.proc.user 7:11',
    'SLW_CONFIG_RESOURCES services.solo.resources.openFiles 14:39',
    'SLW_CONFIG_RESOURCES services.web.resources.cpus 11:37',
    'SLW_CONFIG_RESOURCES services.web.resources.memory 11:26',
  ]);
});
