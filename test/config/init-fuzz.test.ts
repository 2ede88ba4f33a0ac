// Fuzz (fast-check) of what `slipway init` parses: the Procfile, package.json, requirements,
// Python and Ruby sources, go.mod. Whatever a folder holds, init either refuses it with
// SLW_USAGE or writes a config that the schema and reference stages accept, with every
// service name valid; the Procfile reader never throws and keeps only valid worker names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectApp } from '../../src/config/init.js';
import { readProcfile } from '../../src/config/init-procfile.js';
import { checkConfig } from '../../src/config/load.js';
import { SERVICE_NAME_PATTERN } from '../../src/config/schema-fields.js';
import { SlipwayError } from '../../src/errors.js';
import { ASGI_APP, FLASK_APP, GO_APP, NODE_APP, RACK_APP, WSGI_APP } from '../helpers/init-apps.js';

/** Text that looks like these files often enough to reach the detectors' deeper paths. */
const text = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.constantFrom(FLASK_APP, WSGI_APP, ASGI_APP, RACK_APP, GO_APP, NODE_APP, 'package main\n', 'gunicorn\nuvicorn==0.17\n', 'gem "puma"\ngem "rails"\n', '<p>hi</p>'),
  fc.array(fc.tuple(fc.constantFrom('web', 'worker', 'release', 'Clock_2', '9x', 'web'), fc.string({ maxLength: 30 }), fc.constantFrom('$PORT', '0.0.0.0', '${X}', '"q"', '#', '')), { maxLength: 4 }).map((lines) => lines.map(([k, v, s]) => `${k}: ${v} ${s}`).join('\n')),
  fc.dictionary(fc.constantFrom('main', 'scripts'), fc.oneof(fc.string({ maxLength: 20 }), fc.dictionary(fc.constantFrom('start', 'build'), fc.string({ maxLength: 40 })))).map((o) => JSON.stringify(o)),
);
const NAMES = ['Procfile', 'package.json', 'package-lock.json', 'server.js', 'requirements.txt', 'pyproject.toml', 'app.py', 'main.py', 'manage.py', 'Gemfile', 'config.ru', 'app.rb', 'go.mod', 'main.go', 'index.html', 'Dockerfile'];

test('init on random folders: SLW_USAGE or a config the schema accepts', async () => {
  await fc.assert(
    fc.asyncProperty(fc.dictionary(fc.constantFrom(...NAMES), text, { maxKeys: 5 }), async (files) => {
      const dir = await mkdtemp(join(tmpdir(), 'slipway-init-fuzz-'));
      try {
        for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
        let yaml: string;
        try {
          ({ yaml } = await detectApp(dir, { environ: { PATH: '/usr/bin:/bin' } }));
        } catch (err) {
          assert.ok(err instanceof SlipwayError && err.code === 'SLW_USAGE', String(err));
          return;
        }
        await writeFile(join(dir, 'slipway.yaml'), yaml);
        const { config, issues } = await checkConfig({ file: join(dir, 'slipway.yaml') });
        assert.deepEqual(issues, [], `${JSON.stringify(files)}\n${yaml}`);
        assert.ok(config?.services['web']);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }),
    { numRuns: 60 },
  );
});

test('the Procfile reader never throws and keeps only valid worker names', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-procfile-fuzz-'));
  try {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (content) => {
        await writeFile(join(dir, 'Procfile'), content);
        const p = await readProcfile(dir);
        assert.ok(p);
        for (const name of p.workers.keys()) assert.match(name, SERVICE_NAME_PATTERN);
        for (const command of [p.web, p.release, ...p.workers.values()]) if (command !== undefined) assert.equal(command, command.trim());
      }),
      { numRuns: 200 },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
