// Issue 8 through the CLI and a real daemon, against a real PostgreSQL cluster: backup run /
// list / verify / restore / prune --dry-run; a beforeDeploy snapshot tied to the release and
// `rollback --with-data` bringing the data back (acceptance 5); a drill that passes and one that fails.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { generateBackupKey } from '../../src/backup/age-adapter.js';
import { CLI, cli, destroyProject, makeProject, setVersion, type Project } from '../helpers/e2e-project.js';
import { startPgCluster, type PgCluster } from '../helpers/postgres-cluster.js';
import { seedDatabase } from '../helpers/postgres-data.js';

let pg: PgCluster | undefined;

before(async () => {
  pg = await startPgCluster();
  await seedDatabase(pg, 'app', 2000);
});

after(async () => {
  await pg?.stop();
});

function configYaml(p: Project, pg: PgCluster, check: string): string {
  return `version: 1
proxy: { http: ${p.port}, host: 127.0.0.1 }
secrets:
  BACKUP_KEY: {}
backups:
  key: \${secret:BACKUP_KEY}
  targets: { local: { dir: ./backups } }
  sources:
    db: { postgres: { url: "${pg.url('app')}" } }
  beforeDeploy: [db]
  retention: { last: 1, daily: 0, weekly: 0, monthly: 0 }
  drill: { check: "${check}" }
services:
  web:
    source: ./app
    run: node server.js
    routes: [{ host: hello.localhost }]
    health: { path: /health, interval: 200ms, timeout: 1s, rise: 2, fall: 2, startTimeout: 20s }
    instances: 1
    drain: 1s
    watch: 1s
    stopTimeout: 3s
`;
}

test('backup CLI, beforeDeploy snapshot, rollback --with-data and drills through the daemon', { timeout: 240_000 }, async () => {
  assert.ok(pg);
  const db = pg;
  const p = await makeProject();
  const run = (args: string[]) => cli(p, args);
  const users = await db.sql('app', 'SELECT count(*) FROM users');
  try {
    await writeFile(p.configFile, configYaml(p, db, 'SELECT count(*) FROM users'));
    const { identity } = await generateBackupKey();
    const set = spawnSync(process.execPath, [CLI, 'secrets', 'set', 'BACKUP_KEY', '--config', p.configFile], { input: `${identity}\n`, cwd: p.dir, encoding: 'utf8' });
    assert.equal(set.status, 0, set.stderr);
    assert.equal((await run(['daemon', '--detach'])).code, 0);

    // run, list, verify, restore into a scratch database, prune --dry-run
    const first = await run(['backup', 'run', '--json']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.equal(first.json.backups.length, 1);
    assert.equal(first.json.backups[0].state, 'verified');
    assert.equal(first.json.backups[0].encrypted, true);
    const second = await run(['backup', 'run', 'db', '--json']);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    const list = await run(['backup', 'list', '--json']);
    assert.deepEqual(list.json.backups.map((b: { id: string }) => b.id), [second.json.backups[0].id, first.json.backups[0].id]);
    const verify = await run(['backup', 'verify', first.json.backups[0].id, '--json']);
    assert.equal(verify.code, 0, verify.stdout);
    assert.equal(verify.json.results[0].ok, true);
    const restore = await run(['backup', 'restore', first.json.backups[0].id, '--json']);
    assert.equal(restore.code, 0, restore.stdout + restore.stderr);
    assert.equal(await db.sql(restore.json.restore.restoredTo, 'SELECT count(*) FROM users'), users);
    const prune = await run(['backup', 'prune', '--dry-run', '--json']);
    assert.equal(prune.code, 0, prune.stdout);
    assert.deepEqual(prune.json.removed.map((b: { id: string }) => b.id), [first.json.backups[0].id]);
    assert.equal((await run(['backup', 'list', '--json'])).json.backups.length, 2, 'a dry run removes nothing');

    // beforeDeploy: r1, then r2 with its snapshot; the data changes after r2; rollback --with-data
    await setVersion(p, 'v1');
    const d1 = await run(['deploy', '--json']);
    assert.equal(d1.code, 0, d1.stdout + d1.stderr);
    await setVersion(p, 'v2');
    const d2 = await run(['deploy']);
    assert.equal(d2.code, 0, d2.stdout + d2.stderr);
    assert.match(d2.stdout, /backup/);
    const tagged = (await run(['backup', 'list', '--json'])).json.backups.filter((b: { releaseId?: string }) => b.releaseId === 'web@r2');
    assert.equal(tagged.length, 1, 'one snapshot tied to web@r2');
    assert.equal(tagged[0].state, 'verified');
    await db.sql('app', 'DELETE FROM events; DELETE FROM users WHERE id > 10');
    assert.equal(await db.sql('app', 'SELECT count(*) FROM users'), '10');
    const rollback = await run(['rollback', '--with-data']);
    assert.equal(rollback.code, 0, rollback.stdout + rollback.stderr);
    assert.match(rollback.stdout, new RegExp(`restored from ${tagged[0].id}`));
    assert.equal(await db.sql('app', 'SELECT count(*) FROM users'), users, 'the data is back');
    const safety = (await run(['backup', 'list', '--json'])).json.backups.filter((b: { releaseId?: string }) => b.releaseId === `before-restore-${tagged[0].id}`);
    assert.equal(safety.length, 1, 'a safety backup was taken before the overwrite');

    // drills restore the newest good backup: the check passes; then a check that cannot pass
    assert.equal((await run(['backup', 'run'])).code, 0);
    const pass = await run(['backup', 'drill', '--json']);
    assert.equal(pass.code, 0, pass.stdout + pass.stderr);
    assert.equal(pass.json.drills[0].ok, true);
    assert.match(pass.json.drills[0].detail, new RegExp(`→ ${users}$`));
    await writeFile(p.configFile, configYaml(p, db, 'SELECT * FROM no_such_table'));
    const fail = await run(['backup', 'drill', '--json']);
    assert.equal(fail.code, 3, fail.stdout);
    assert.equal(fail.json.drills[0].ok, false);
    assert.match(fail.json.drills[0].detail, /no_such_table/);
    const leftovers = await db.sql('postgres', "SELECT count(*) FROM pg_database WHERE datname LIKE 'drill_%'");
    assert.equal(leftovers, '0', 'drill databases are dropped');
  } finally {
    await run(['stop']).catch(() => undefined);
    await destroyProject(p);
  }
});
