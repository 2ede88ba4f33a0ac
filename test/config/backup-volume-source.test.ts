// `backups.sources.NAME: { volume: VOLUME }`: a volume some service declares is a source of
// kind volume; one no service declares is SLW_CONFIG_UNKNOWN_VOLUME at file:line:col (with a
// suggestion), and a source with two kinds is SLW_CONFIG_BAD_BACKUPS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfig } from '../../src/config/load.js';

async function check(yaml: string) {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-volsrc-'));
  try {
    await writeFile(join(dir, 'slipway.yaml'), yaml);
    return await checkConfig({ file: join(dir, 'slipway.yaml') });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const config = (sources: string) => `version: 1
backups:
  encrypt: false
  targets: { local: { dir: ./backups } }
  sources:
${sources}
services:
  api:
    run: node api.js
    volumes: { uploads: {}, cache: { path: ./tmp/cache } }
  db:
    kind: accessory
    run: postgres -D \${volume:pgdata}
    volumes: { pgdata: {} }
    health: { tcp: true }
`;

test('a volume source names a volume of any service of the project', async () => {
  const { config: c, issues } = await check(config('    files: { volume: uploads }\n    data: { volume: pgdata }'));
  assert.deepEqual(issues, []);
  assert.deepEqual(c?.backups?.sources['files'], { kind: 'volume', name: 'files', volume: 'uploads' });
  assert.deepEqual(c?.backups?.sources['data'], { kind: 'volume', name: 'data', volume: 'pgdata' });
});

test('an unknown volume is SLW_CONFIG_UNKNOWN_VOLUME at file:line:col, with the volumes declared and a suggestion; two kinds at once are refused', async () => {
  const { config: c, issues } = await check(config('    files: { volume: upload }\n    other: { volume: nothing }'));
  assert.equal(c, undefined);
  assert.deepEqual(
    issues.map((i) => `${i.code} ${i.path} ${i.location?.line}:${i.location?.col}`),
    ['SLW_CONFIG_UNKNOWN_VOLUME backups.sources.files.volume 6:22', 'SLW_CONFIG_UNKNOWN_VOLUME backups.sources.other.volume 7:22'],
  );
  assert.match(issues[0]?.message ?? '', /names volume "upload", which no service declares \(declared: cache, pgdata, uploads\)/);
  assert.match(issues[0]?.hint ?? '', /did you mean uploads\?/);
  const both = await check(config('    files: { volume: uploads, dir: ./x }'));
  assert.deepEqual(both.issues.map((i) => i.code), ['SLW_CONFIG_BAD_BACKUPS']);
  assert.match(both.issues[0]?.message ?? '', /\{ volume: \[SERVICE\/\]NAME \}/);
});

test('SERVICE/NAME names a volume that service declares; another service or one without it is SLW_CONFIG_UNKNOWN_VOLUME at file:line:col', async () => {
  const { config: c, issues } = await check(config('    data: { volume: db/pgdata }\n    files: { volume: api/uploads }'));
  assert.deepEqual(issues, []);
  assert.deepEqual(c?.backups?.sources['data'], { kind: 'volume', name: 'data', volume: 'pgdata', service: 'db' });
  assert.deepEqual(c?.backups?.sources['files'], { kind: 'volume', name: 'files', volume: 'uploads', service: 'api' });
  const bad = await check(config('    data: { volume: api/pgdata }\n    files: { volume: dv/pgdata }'));
  assert.equal(bad.config, undefined);
  assert.deepEqual(
    bad.issues.map((i) => `${i.code} ${i.path} ${i.location?.line}:${i.location?.col}`),
    ['SLW_CONFIG_UNKNOWN_VOLUME backups.sources.data.volume 6:21', 'SLW_CONFIG_UNKNOWN_VOLUME backups.sources.files.volume 7:22'],
  );
  assert.match(bad.issues[0]?.message ?? '', /names volume "api\/pgdata", which api does not declare \(declared: cache, uploads\)/);
  assert.match(bad.issues[1]?.message ?? '', /but there is no service dv/);
  assert.match(bad.issues[1]?.hint ?? '', /did you mean db\/pgdata\?/);
  const shape = await check(config('    data: { volume: "db/pg/data" }'));
  assert.deepEqual(shape.issues.map((i) => i.code), ['SLW_CONFIG_BAD_BACKUPS']);
});
