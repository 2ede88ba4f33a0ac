// Issue 8 through the CLI and a real daemon: a backup that fails raises "backup-failed" through
// the daemon's alert service at a real webhook receiver and counts in /metrics; a good backup
// goes to a local directory and to S3 (a real s3rver process) and shows in the freshness
// metrics per target; the S3 credentials and the age identity appear in no file of the state
// directory, no CLI output and no notification.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join, relative } from 'node:path';
import { generateBackupKey } from '../../src/backup/age-adapter.js';
import { freePort } from '../../src/lib/free-port.js';
import { WebhookReceiver } from '../helpers/alert-receivers.js';
import { CLI, cli, destroyProject, makeProject, serviceYaml, waitFor, type CliResult, type Project } from '../helpers/e2e-project.js';
import { S3RVER_ACCESS_KEY, S3RVER_SECRET_KEY, startS3rver, type S3rver } from '../helpers/s3rver.js';
import { filesUnder } from '../helpers/tree.js';

const BUCKET = 'offsite';

function configYaml(p: Project, o: { admin: number; hook: string; s3: S3rver }): string {
  return `version: 1
proxy: { http: ${p.port}, host: 127.0.0.1 }
admin: { listen: "127.0.0.1:${o.admin}" }
alerts:
  interval: 250ms
  window: 2s
  repeat: 1h
  notify:
    - { type: webhook, url: "${o.hook}" }
secrets:
  BACKUP_KEY: {}
  S3_KEY: {}
  S3_SECRET: {}
backups:
  key: \${secret:BACKUP_KEY}
  targets:
    local: { dir: ./backups }
    offsite:
      s3: { endpoint: "${o.s3.endpoint}", bucket: ${BUCKET}, prefix: e2e/, region: us-east-1, accessKey: "\${secret:S3_KEY}", secretKey: "\${secret:S3_SECRET}" }
  sources:
    files: { dir: ./files }
services:
${serviceYaml('web', { instances: 1 })}`;
}

function metrics(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString()));
    })
      .on('error', reject)
      .end();
  });
}

function forms(value: string): string[] {
  const b = Buffer.from(value);
  return [value, b.toString('base64').replace(/=+$/, ''), b.toString('base64url'), encodeURIComponent(value)];
}

test('a failed backup alerts through the daemon; a good one lands on a directory and S3 with metrics per target; no secret leaks', { timeout: 180_000 }, async () => {
  const s3 = await startS3rver([BUCKET]);
  const hook = new WebhookReceiver();
  const p = await makeProject();
  const outputs: CliResult[] = [];
  const run = async (args: string[]): Promise<CliResult> => {
    const r = await cli(p, args);
    outputs.push(r);
    return r;
  };
  try {
    const admin = await freePort();
    await writeFile(p.configFile, configYaml(p, { admin, hook: await hook.listen(), s3 }));
    const { identity } = await generateBackupKey();
    for (const [name, value] of [
      ['BACKUP_KEY', identity],
      ['S3_KEY', S3RVER_ACCESS_KEY],
      ['S3_SECRET', S3RVER_SECRET_KEY],
    ] as const) {
      const set = spawnSync(process.execPath, [CLI, 'secrets', 'set', name, '--config', p.configFile], { input: `${value}\n`, cwd: p.dir, encoding: 'utf8' });
      assert.equal(set.status, 0, set.stderr);
    }
    const started = await run(['daemon', '--detach']);
    assert.equal(started.code, 0, started.stdout + started.stderr);

    // ./files does not exist: the backup fails loudly, the alert goes out, the counter moves.
    const failed = await run(['backup', 'run', '--json']);
    assert.notEqual(failed.code, 0, failed.stdout);
    assert.match(failed.stdout + failed.stderr, /SLW_BACKUP_SOURCE_INVALID/);
    const alert = await waitFor('backup-failed at the webhook', () =>
      hook.received.flatMap((r) => r.json?.alerts ?? []).find((a: { rule: string; status: string }) => a.rule === 'backup-failed' && a.status === 'firing'),
    );
    assert.equal(alert.service, 'backup:files');
    assert.match(alert.summary, /^Backup of files: a backup failed/);
    assert.match(await metrics(admin), /^slipway_backup_runs_total\{source="files",outcome="failed"\} 1$/m);

    // With the directory in place: stored and verified on both targets, fresh in /metrics.
    await mkdir(join(p.dir, 'files'), { recursive: true });
    await writeFile(join(p.dir, 'files', 'photo.bin'), Buffer.alloc(200_000, 9));
    const good = await run(['backup', 'run', '--json']);
    assert.equal(good.code, 0, good.stdout + good.stderr);
    assert.deepEqual(good.json.backups.map((b: { target: string; state: string }) => `${b.target}:${b.state}`).sort(), ['local:verified', 'offsite:verified']);
    const id = good.json.backups[0].id as string;
    assert.ok(
      (await readdir(join(s3.directory, BUCKET, 'e2e', 'files'))).some((f) => f.startsWith(id)),
      'the object is in the bucket under the prefix',
    );
    const text = await metrics(admin);
    for (const target of ['local', 'offsite']) {
      assert.match(text, new RegExp(`^slipway_backup_last_success_timestamp_seconds\\{source="files",target="${target}"\\} \\d+(\\.\\d+)?$`, 'm'));
      assert.match(text, new RegExp(`^slipway_backup_size_bytes\\{source="files",target="${target}"\\} [1-9]\\d*$`, 'm'));
    }
    assert.match(text, /^slipway_backup_runs_total\{source="files",outcome="succeeded"\} 1$/m);
    const verify = await run(['backup', 'verify', id, '--json']);
    assert.deepEqual(verify.json.results.map((r: { target: string; ok: boolean }) => `${r.target}:${r.ok}`).sort(), ['local:true', 'offsite:true']);

    // The leak scan: the state directory, every CLI output, every notification.
    assert.equal((await run(['stop'])).code, 0);
    const needles = [...forms(identity), ...forms(S3RVER_SECRET_KEY)];
    const scanned = await filesUnder(p.stateDir);
    assert.ok(scanned.some((f) => f.endsWith('state.db')), 'the journal is scanned');
    for (const file of scanned) {
      const bytes = await readFile(file);
      for (const needle of needles) assert.ok(!bytes.includes(Buffer.from(needle)), `${relative(p.stateDir, file)} holds a secret (${needle.slice(0, 4)}…)`);
    }
    for (const file of await filesUnder(join(p.dir, 'backups'))) {
      const bytes = await readFile(file);
      for (const needle of needles) assert.ok(!bytes.includes(Buffer.from(needle)), `${file} holds a secret`);
    }
    for (const out of [...outputs.map((o) => o.stdout + o.stderr), ...hook.received.map((r) => r.body)]) {
      for (const needle of needles) assert.ok(!out.includes(needle), `output holds a secret: ${out.slice(0, 200)}`);
    }
  } finally {
    await cli(p, ['stop']).catch(() => undefined);
    await destroyProject(p);
    await hook.close();
    await s3.stop();
  }
});
