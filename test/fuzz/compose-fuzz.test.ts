// The compose translator on arbitrary input: it either refuses with an SLW_COMPOSE_* code or
// returns a config slipway's own schema accepts, never copies a secret-looking value, and
// accounts for every service it was given (imported, or listed as not translated).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tmpdir } from 'node:os';
import { configSchema } from '../../src/config/schema.js';
import { semanticIssues } from '../../src/config/semantic.js';
import { translateCompose } from '../../src/compose/translate.js';
import { SlipwayError } from '../../src/errors.js';

const MARKER = 'S3CR3T-MARKER';
/** Issues about files the fuzzed compose names (Dockerfiles, env files), which do not exist here. */
const FILE_CODES = new Set(['SLW_CONFIG_DOCKERFILE_MISSING', 'SLW_CONFIG_ENV_FILE']);

const anyValue = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }));

const duration = fc.oneof(fc.constantFrom('10s', '1m30s', '500ms', '2h', '0s', 'soon', ''), fc.string());
const size = fc.oneof(fc.constantFrom('512M', '1g', '1.5gb', '100k', '3m', 'lots'), fc.integer({ min: -5, max: 2 ** 40 }));
const port = fc.oneof(fc.constantFrom('80', '8080:80', '127.0.0.1:8080:80', '[::1]:9000:9000/udp', '3000-3005', 'eighty', '70000'), fc.integer({ min: -1, max: 70_000 }), fc.record({ target: fc.oneof(fc.integer({ min: 0, max: 70_000 }), fc.string()), published: fc.oneof(fc.string(), fc.integer()) }, { requiredKeys: [] }));
const image = fc.oneof(fc.constantFrom('nginx:1.27', 'postgres:16-alpine', 'redis', 'ghcr.io/acme/web:v2', 'Web:Latest', 'app:${TAG:-latest}', 'app:${TAG}', ''), fc.string());
/** Secret-looking names carry the marker (which must never be copied); other names carry anything else. */
const envMap = fc
  .array(
    fc.oneof(
      fc.tuple(fc.constantFrom('PASSWORD', 'DB_PASSWORD', 'API_KEY', 'SESSION_SECRET'), fc.constantFrom(MARKER, `x${MARKER}y`)),
      fc.tuple(fc.constantFrom('DATABASE_URL', 'BROKER'), fc.constant(`postgres://u:${MARKER}@db:5432/x`)),
      fc.tuple(fc.oneof(fc.constantFrom('PORT', 'LOG_LEVEL', 'a-b'), fc.string()), fc.oneof(fc.constantFrom('${X}', '${X:-1}', '$$HOME', 'http://api:8080', 'db:5432'), fc.string().filter((v) => !v.includes(MARKER)), fc.integer(), fc.constant(null))),
    ),
    { maxLength: 5 },
  )
  .map((pairs) => Object.fromEntries(pairs));
const envList = fc.array(fc.oneof(fc.constant(`TOKEN=${MARKER}`), fc.constantFrom('A=1', 'B', '=x', 'C=${D}'), fc.string()), { maxLength: 4 });

const service = fc.record(
  {
    image,
    build: fc.oneof(fc.constantFrom('./app', 'https://github.com/x/y.git', ''), fc.record({ context: fc.oneof(fc.constant('.'), fc.string()), dockerfile: fc.string(), target: fc.string(), args: fc.oneof(envMap, envList) }, { requiredKeys: [] }), anyValue),
    command: fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }), anyValue),
    entrypoint: fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 })),
    ports: fc.oneof(fc.array(port, { maxLength: 3 }), anyValue),
    expose: fc.array(port, { maxLength: 2 }),
    environment: fc.oneof(envMap, envList, anyValue),
    env_file: fc.oneof(fc.string(), fc.array(fc.oneof(fc.string(), fc.record({ path: fc.string() })), { maxLength: 3 }), anyValue),
    secrets: fc.oneof(fc.array(fc.oneof(fc.string(), fc.record({ source: fc.string(), target: fc.string() })), { maxLength: 3 }), anyValue),
    volumes: fc.oneof(fc.array(fc.oneof(fc.constantFrom('data:/data', './x:/x:ro', '/anon', 'Bad_Name:/y', 'v:/', 'a:b:c:d'), fc.string(), fc.record({ type: fc.constantFrom('volume', 'bind', 'tmpfs'), source: fc.string(), target: fc.string() }, { requiredKeys: [] })), { maxLength: 3 }), anyValue),
    depends_on: fc.oneof(fc.array(fc.constantFrom('web', 'db', 'proxy', 'nope'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('web', 'db', 'x'), fc.record({ condition: fc.string() })), anyValue),
    healthcheck: fc.oneof(fc.record({ test: fc.oneof(fc.constantFrom('curl -f http://localhost:3000/health', 'pg_isready'), fc.array(fc.string(), { maxLength: 3 }), fc.constant(['NONE'])), interval: duration, timeout: duration, retries: fc.oneof(fc.integer({ min: -2, max: 200 }), fc.string()), start_period: duration, disable: fc.boolean() }, { requiredKeys: [] }), anyValue),
    deploy: fc.oneof(fc.record({ replicas: fc.oneof(fc.integer({ min: -1, max: 100 }), fc.string()), resources: fc.record({ limits: fc.record({ cpus: fc.oneof(fc.constantFrom('0.5', '2', 'x', '0'), fc.double()), memory: size, pids: fc.oneof(fc.integer({ min: -1, max: 5_000_000 }), fc.string()) }, { requiredKeys: [] }), reservations: anyValue }, { requiredKeys: [] }), placement: anyValue }, { requiredKeys: [] }), anyValue),
    mem_limit: size,
    cpus: fc.oneof(fc.double(), fc.string()),
    pids_limit: fc.integer({ min: -1, max: 100 }),
    read_only: fc.oneof(fc.boolean(), anyValue),
    tmpfs: fc.oneof(fc.constantFrom('/tmp', '/run:size=64m'), fc.array(fc.string(), { maxLength: 2 }), anyValue),
    user: fc.oneof(fc.constantFrom('1000:1000', 'node', 'bad user'), fc.integer(), anyValue),
    cap_add: fc.oneof(fc.array(fc.constantFrom('NET_ADMIN', 'CAP_SYS_TIME', 'ALL', 'lower'), { maxLength: 2 }), anyValue),
    cap_drop: fc.array(fc.string(), { maxLength: 2 }),
    security_opt: fc.oneof(fc.array(fc.constantFrom('no-new-privileges:true', 'seccomp:unconfined'), { maxLength: 2 }), anyValue),
    stop_grace_period: duration,
    restart: fc.string(),
    networks: anyValue,
    container_name: fc.string(),
    ulimits: anyValue,
    logging: anyValue,
  },
  { requiredKeys: [] },
);

const compose = fc.record(
  {
    name: fc.oneof(fc.constantFrom('shop', 'My_App', '9bad'), fc.string()),
    version: fc.string(),
    services: fc.oneof(fc.dictionary(fc.oneof(fc.constantFrom('web', 'db', 'proxy', 'api_v2', 'Web', 'web.1', '-x'), fc.string()), fc.oneof(service, anyValue), { maxKeys: 4 }), anyValue),
    volumes: fc.oneof(fc.dictionary(fc.string(), fc.oneof(fc.constant(null), fc.record({ external: fc.boolean() }))), anyValue),
    secrets: fc.oneof(fc.dictionary(fc.string(), fc.oneof(fc.record({ file: fc.string() }), fc.record({ environment: fc.string() }), anyValue)), anyValue),
    networks: anyValue,
    'x-common': anyValue,
  },
  { requiredKeys: ['services'] },
);

/** Services Compose accepts: the translator must produce a config from these (or list what it skips). */
const goodDuration = fc.constantFrom('10s', '1m30s', '500ms', '2m', '3s');
const goodService = fc.record(
  {
    image: fc.constantFrom('nginx:1.27', 'postgres:16-alpine', 'redis:7', 'ghcr.io/acme/web:v2', 'app:${TAG:-latest}', 'app:${TAG}', 'busybox'),
    build: fc.oneof(fc.constantFrom('./app', '.', 'https://github.com/x/y.git'), fc.record({ context: fc.constantFrom('.', 'web'), dockerfile: fc.constantFrom('Dockerfile', 'docker/prod.Dockerfile'), target: fc.constantFrom('runtime', 'build'), args: fc.oneof(envMap, fc.array(fc.constantFrom('A=1', 'B', `TOKEN=${MARKER}`), { maxLength: 3 })) }, { requiredKeys: [] })),
    command: fc.oneof(fc.constantFrom('npm start', 'sh -c "exec httpd -p $$PORT"', 'echo ${X}'), fc.array(fc.constantFrom('node', 'server.js', '$$PORT', '${Y}'), { minLength: 1, maxLength: 3 })),
    entrypoint: fc.oneof(fc.constantFrom('/entry.sh', ''), fc.array(fc.constantFrom('tini', '--'), { maxLength: 2 })),
    ports: fc.array(fc.constantFrom('80', '8080:80', '127.0.0.1:8080:80', '3000-3001:3000-3001', 9000), { maxLength: 3 }),
    expose: fc.array(fc.constantFrom('3000', 8000), { maxLength: 2 }),
    environment: fc.oneof(envMap.map((m) => Object.fromEntries(Object.entries(m).filter(([k]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k)))), fc.array(fc.constantFrom('A=1', 'B', `TOKEN=${MARKER}`, 'URL=http://web:80/x', 'C=${D:-x}'), { maxLength: 4 })),
    env_file: fc.oneof(fc.constantFrom('.env', 'a.env'), fc.array(fc.constantFrom('.env', 'b.env'), { minLength: 1, maxLength: 2 })),
    secrets: fc.array(fc.constantFrom('db_password', 'jwt-key'), { maxLength: 2 }),
    volumes: fc.array(fc.constantFrom('data:/data', './x:/x:ro', '/anon', 'Logs_1:/var/log:ro', { type: 'volume', source: 'cache', target: '/cache' }), { maxLength: 3 }),
    depends_on: fc.oneof(fc.array(fc.constantFrom('web', 'db', 'proxy'), { maxLength: 2 }), fc.dictionary(fc.constantFrom('web', 'db'), fc.record({ condition: fc.constant('service_healthy') }))),
    healthcheck: fc.record({ test: fc.oneof(fc.constantFrom('curl -f http://localhost:3000/health', 'pg_isready -U x'), fc.constant(['CMD', 'wget', '-qO-', 'http://127.0.0.1/ready']), fc.constant(['NONE'])), interval: goodDuration, timeout: goodDuration, retries: fc.integer({ min: 1, max: 300 }), start_period: goodDuration }, { requiredKeys: [] }),
    deploy: fc.record({ replicas: fc.integer({ min: 0, max: 80 }), resources: fc.record({ limits: fc.record({ cpus: fc.constantFrom('0.5', '2', 0.25), memory: fc.constantFrom('512M', '1g', '100k', 268435456), pids: fc.constantFrom(100, -1, 0) }, { requiredKeys: [] }), reservations: fc.record({ memory: fc.constant('64M') }) }, { requiredKeys: [] }), restart_policy: fc.record({ condition: fc.constant('on-failure') }) }, { requiredKeys: [] }),
    mem_limit: fc.constantFrom('256m', '2g'),
    pids_limit: fc.integer({ min: -1, max: 100 }),
    read_only: fc.boolean(),
    tmpfs: fc.oneof(fc.constantFrom('/tmp', '/run:size=64m'), fc.array(fc.constantFrom('/tmp', '/cache'), { maxLength: 2 })),
    user: fc.constantFrom('1000:1000', 'node', 1000),
    cap_add: fc.array(fc.constantFrom('NET_ADMIN', 'CAP_SYS_TIME', 'ALL'), { maxLength: 2 }),
    cap_drop: fc.constant(['ALL']),
    security_opt: fc.array(fc.constantFrom('no-new-privileges:true', 'seccomp:unconfined'), { maxLength: 2 }),
    stop_grace_period: goodDuration,
    restart: fc.constantFrom('always', 'unless-stopped'),
    networks: fc.constant(['back']),
    container_name: fc.constant('x'),
  },
  { requiredKeys: [] },
);
const goodCompose = fc.record(
  {
    name: fc.constantFrom('shop', 'My_App'),
    services: fc.dictionary(fc.constantFrom('web', 'db', 'proxy', 'api_v2', 'worker', 'cache'), goodService, { minKeys: 1, maxKeys: 5 }),
    volumes: fc.constant({ data: null, cache: { external: true } }),
    secrets: fc.constant({ db_password: { file: './db.txt' }, 'jwt-key': { environment: 'JWT' } }),
    'x-common': anyValue,
  },
  { requiredKeys: ['services'] },
);

const input = fc.oneof({ weight: 6, arbitrary: goodCompose }, { weight: 3, arbitrary: compose }, { weight: 1, arbitrary: fc.jsonValue() });

test('compose translator: a coded refusal or a config slipway accepts; no secret copied; every service accounted for', async () => {
  await fc.assert(
    fc.asyncProperty(input, fc.option(fc.oneof(fc.constantFrom('example.com', 'Bad Host', '*.x.com'), fc.domain()), { nil: undefined }), async (data, host) => {
      let result;
      try {
        result = translateCompose(data, host === undefined ? {} : { host });
      } catch (err) {
        assert.ok(err instanceof SlipwayError, `only coded errors: ${String(err)}`);
        assert.match(err.code, /^SLW_COMPOSE_/);
        assert.ok(!JSON.stringify({ m: err.message, d: err.details ?? null }).includes(MARKER), 'no secret value in an error');
        return;
      }
      const parsed = configSchema.safeParse(result.config);
      assert.ok(parsed.success, `schema accepts the output: ${JSON.stringify(parsed.error?.issues?.slice(0, 3))}\n${JSON.stringify(result.config)}`);
      // The checks across fields too (kinds, health, dependencies, references), all but the files this run does not create.
      const semantic = (await semanticIssues(result.config, tmpdir())).filter((i) => !FILE_CODES.has(i.code));
      assert.deepEqual(semantic, [], JSON.stringify(result.config));
      assert.ok(!JSON.stringify(result).includes(MARKER), 'no secret-looking value copied into the config or the messages');
      const services = (data as { services: Record<string, unknown> }).services;
      const listed = new Set(result.untranslated.map((u) => u.path));
      for (const name of Object.keys(services)) {
        const imported = Object.keys(result.config['services'] as object).includes(name.toLowerCase().replace(/[_.]/g, '-'));
        assert.ok(imported || listed.has(`services.${name}`) || [...listed].some((p) => p.startsWith(`services.${name}.`)), `service ${name} is imported or listed`);
      }
    }),
    { numRuns: 1500 },
  );
});
