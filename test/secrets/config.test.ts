import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfig } from '../../src/config/load.js';
import { displayRefs, refsIn } from '../../src/secrets/reference.js';

async function project(yaml: string, files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-secrets-config-'));
  await mkdir(join(dir, 'app'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  await writeFile(join(dir, 'slipway.yaml'), yaml);
  return dir;
}

const BASE = `version: 1
secrets:
  DATABASE_PASSWORD: {}
  JWT_SECRET: { generate: { kind: hex, bytes: 32 } }
  VAPID_KEYS: { generate: { kind: vapid } }
services:
  web:
    source: ./app
    run: node server.js
    env:
      DATABASE_URL: postgres://app:\${secret:DATABASE_PASSWORD}@127.0.0.1/app_\${env}
      VAPID_PUBLIC: \${secret:VAPID_KEYS.publicKey}
      PLAIN: "1"
    secretFiles: [DATABASE_PASSWORD, JWT_SECRET]
    envFile: .env.\${env}
environments:
  production: {}
  staging: {}
`;

test('secrets, ${secret:...}, secretFiles and envFile normalize to references, never values', async () => {
  const dir = await project(BASE, { '.env.production': '# comment\nexport LOG_LEVEL=info\nGREETING="hello\\nworld"\nPLAIN=from-file\n', '.env.staging': 'LOG_LEVEL=debug\n' });
  try {
    const { config, issues } = await checkConfig({ file: join(dir, 'slipway.yaml'), env: 'production' });
    assert.deepEqual(issues, []);
    const web = config?.services['web'];
    assert.ok(web);
    assert.equal(displayRefs(web.env['DATABASE_URL'] ?? ''), 'postgres://app:${secret:DATABASE_PASSWORD}@127.0.0.1/app_production');
    assert.deepEqual(refsIn(web.env['DATABASE_URL'] ?? ''), [{ kind: 'value', env: 'production', ref: 'DATABASE_PASSWORD' }]);
    assert.deepEqual(refsIn(web.env['DATABASE_PASSWORD_FILE'] ?? ''), [{ kind: 'file', env: 'production', ref: 'DATABASE_PASSWORD' }]);
    assert.ok(web.env['JWT_SECRET_FILE']);
    assert.equal(web.env['LOG_LEVEL'], 'info');
    assert.equal(web.env['GREETING'], 'hello\nworld');
    assert.equal(web.env['PLAIN'], '1', 'env wins over envFile');
    assert.equal(web.envFile, join(dir, '.env.production'));
    assert.deepEqual(Object.keys(config?.secrets ?? {}), ['DATABASE_PASSWORD', 'JWT_SECRET', 'VAPID_KEYS']);
    assert.equal(config?.secrets?.['JWT_SECRET']?.generate?.kind, 'hex');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('unknown secrets, misplaced placeholders, bad parts and missing or broken env files: every problem at once, with location', async () => {
  const yaml = `version: 1
secrets:
  DATABASE_PASSWORD: {}
  PLAIN_TOKEN: {}
services:
  web:
    source: ./app
    run: node server.js
    routes:
      - host: \${secret:DATABASE_PASSWORD}.example.com
    env:
      DATABASE_URL: \${secret:DATABASE_PASWORD}
      TOKEN_PART: \${secret:PLAIN_TOKEN.publicKey}
    secretFiles: [NOT_DECLARED]
    envFile: .env.missing
  worker:
    source: ./app
    run: node worker.js
    envFile: .env.broken
`;
  const dir = await project(yaml, { '.env.broken': 'GOOD=1\nthis line is wrong\nQUOTE="never closed\n' });
  try {
    const { config, issues } = await checkConfig({ file: join(dir, 'slipway.yaml') });
    assert.equal(config, undefined);
    const got = issues.map((i) => `${i.code} ${i.location?.line}:${i.location?.col} ${i.path}`).sort();
    assert.deepEqual(got, [
      'SLW_CONFIG_ENV_FILE_INVALID 19:14 services.worker.envFile',
      'SLW_CONFIG_ENV_FILE_MISSING 15:14 services.web.envFile',
      'SLW_CONFIG_SECRET_NOT_ALLOWED 10:15 services.web.routes[0].host',
      'SLW_CONFIG_UNKNOWN_SECRET 12:21 services.web.env.DATABASE_URL',
      'SLW_CONFIG_UNKNOWN_SECRET 13:19 services.web.env.TOKEN_PART',
      'SLW_CONFIG_UNKNOWN_SECRET 14:19 services.web.secretFiles[0]',
    ]);
    const typo = issues.find((i) => i.path === 'services.web.env.DATABASE_URL');
    assert.match(typo?.hint ?? '', /did you mean DATABASE_PASSWORD/);
    const broken = issues.filter((i) => i.code === 'SLW_CONFIG_ENV_FILE_INVALID').map((i) => i.message).join('\n');
    assert.match(broken, /line 2 is not NAME=value/);
    assert.match(broken, /line 3 QUOTE has a quote that is never closed/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
