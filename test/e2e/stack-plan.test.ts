// `slipway plan` of a stack, without a daemon: services in deploy order (dependsOn, then file
// order), stack placeholders shown as written (never as the markers they become).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { cli, destroyProject, makeProject } from '../helpers/e2e-project.js';

test('plan shows a stack in deploy order with its placeholders as written', { timeout: 60_000 }, async () => {
  const p = await makeProject();
  try {
    await writeFile(
      p.configFile,
      `version: 1
services:
  worker: { kind: worker, source: ./app, run: node worker.js, dependsOn: [api, db], env: { DB: "\${service:db.url}" } }
  api: { source: ./app, run: node server.js, dependsOn: [db], env: { DATABASE_URL: "\${service:db.url}", DB_AT: "\${service:db.address}" } }
  db:
    kind: accessory
    source: ./app
    run: postgres -D \${volume:pgdata}
    volumes: { pgdata: {} }
    health: { tcp: true }
    outputs: { url: "postgres://app@\${host}:\${port}/app" }
`,
    );
    const json = await cli(p, ['plan', '--json']);
    assert.equal(json.code, 0, json.stdout + json.stderr);
    assert.deepEqual(json.json.order, ['db', 'api', 'worker']);
    assert.deepEqual(json.json.services.map((s: { service: string }) => s.service), ['db', 'api', 'worker']);
    const text = await cli(p, ['plan']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^deploy order: db → api → worker$/m);
    assert.match(text.stdout, /DATABASE_URL = "\$\{service:db\.url\}"/);
    assert.match(text.stdout, /DB_AT = "\$\{service:db\.address\}"/);
    assert.doesNotMatch(text.stdout + json.stdout, /\u0000|\\u0000/, 'no marker reaches the output');
  } finally {
    await destroyProject(p);
  }
});
