// Backup events → metrics → built-in alert rules → a real webhook receiver, with the daemon's
// own pieces (BackupService, BackupMonitor, AlertService) and an injected clock: a backup that
// gets too old fires "backup-stale" and a fresh one resolves it; a failed run fires
// "backup-failed" once; a failed drill fires "drill-failed" until a drill passes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateBackupKey, type BackupKey } from '../../src/backup/age-adapter.js';
import { BackupService } from '../../src/backup/backup-service.js';
import { runDrill } from '../../src/backup/drill.js';
import type { BackupsSpec } from '../../src/config/backups-model.js';
import { BackupMonitor, cronInterval } from '../../src/daemon/backup-monitor.js';
import { AlertService } from '../../src/observability/alerting/alert-service.js';
import { createNotifier } from '../../src/observability/alerting/notifier-factory.js';
import { addBackupSamples } from '../../src/observability/backup-metrics.js';
import { METRIC_DEFS, METRICS } from '../../src/observability/metric-catalog.js';
import { FamilyBuilder } from '../../src/observability/metric-family.js';
import { WebhookReceiver, type Received } from '../helpers/alert-receivers.js';

const HOUR = 3600_000;
let work: string;
let key: Required<BackupKey>;
const hook = new WebhookReceiver();
let hookUrl: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'slipway-backup-alerts-'));
  key = await generateBackupKey();
  hookUrl = await hook.listen();
});

after(async () => {
  await hook.close();
  rmSync(work, { recursive: true, force: true });
});

function spec(dir: string, o: Partial<BackupsSpec> = {}): BackupsSpec {
  return {
    key: { kind: 'value', value: key.identity },
    targets: [{ kind: 'dir', name: 'local', path: join(dir, 'backups') }],
    sources: { files: { kind: 'dir', name: 'files', path: join(dir, 'files') } },
    schedule: '0 3 * * *',
    maxAgeMs: undefined,
    retention: { last: 7, daily: 0, weekly: 0, monthly: 0 },
    beforeDeploy: [],
    drill: undefined,
    ...o,
  };
}

function alertsFor(monitor: BackupMonitor, stateFile: string): AlertService {
  return new AlertService({
    spec: { intervalMs: 60_000, windowMs: 60_000, repeatMs: 24 * HOUR, notify: [{ type: 'webhook', name: 'hook', url: hookUrl, secret: undefined }], rules: [] },
    sources: {
      collect: async () => {
        const out = new FamilyBuilder(METRIC_DEFS);
        out.add(METRICS.proxyUp, {}, 1); // only the backup rules are under test
        addBackupSamples(out, monitor.snapshot());
        return out.families();
      },
      openDeployments: () => new Map(),
      lastDeployment: () => undefined,
    },
    notifiers: [createNotifier({ type: 'webhook', name: 'hook', url: hookUrl, secret: undefined })],
    stateFile,
    restored: undefined,
    redact: (t) => t,
    log: () => undefined,
  });
}

type AlertJson = { rule: string; service: string; status: string; summary: string };
const alertsIn = (received: readonly Received[], rule: string, status: string): AlertJson[] =>
  received.flatMap((r) => (r.json?.alerts ?? []) as AlertJson[]).filter((a) => a.rule === rule && a.status === status);

async function until<T>(what: string, probe: () => T | undefined, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('the cron interval behind the default maximum age', () => {
  const from = Date.parse('2026-01-05T12:00:00');
  assert.equal(cronInterval('0 3 * * *', from), 24 * HOUR);
  assert.equal(cronInterval('*/15 * * * *', from), 15 * 60_000);
  assert.equal(cronInterval('0 3 * * 1-5', from), 3 * 24 * HOUR, 'weekdays only: the weekend gap counts');
});

test('backup-stale fires once the newest verified backup is older than twice the schedule interval, and resolves after a new one', async () => {
  const dir = join(work, 'stale');
  mkdirSync(join(dir, 'files'), { recursive: true });
  writeFileSync(join(dir, 'files', 'a.txt'), 'a'.repeat(5000));
  let clock = Date.now();
  const monitor = new BackupMonitor({ now: () => clock });
  const service = new BackupService({ spec: spec(dir), stateDir: join(dir, 'state'), resolve: async (v) => v, emit: monitor.record });
  await monitor.seed(service, join(dir, 'state'));
  const [first] = await service.run();
  assert.ok(first);
  const taken = Date.parse(first.startedAt);
  const alerts = alertsFor(monitor, join(dir, 'alerts.json'));
  try {
    clock = taken + 47 * HOUR; // daily schedule: stale after 48 h
    await alerts.evaluateOnce(clock);
    assert.deepEqual(alerts.firing(), []);
    const overdue = monitor.snapshot().overdue;
    assert.deepEqual(overdue.map((o) => [o.source, Math.round(o.seconds)]), [['files', -3600]]);

    clock = taken + 49 * HOUR;
    await alerts.evaluateOnce(clock);
    assert.deepEqual(alerts.firing(), [{ rule: 'backup-stale', service: 'backup:files' }]);
    const fired = await until('backup-stale at the webhook', () => alertsIn(hook.received, 'backup-stale', 'firing')[0]);
    assert.equal(fired?.service, 'backup:files');
    assert.match(fired?.summary ?? '', /^Backup of files: the newest verified backup is 1 h past its maximum age/);

    const [second] = await service.run();
    assert.ok(second);
    clock = Date.parse(second.startedAt) + HOUR;
    await alerts.evaluateOnce(clock);
    assert.deepEqual(alerts.firing(), []);
    await until('backup-stale resolved', () => alertsIn(hook.received, 'backup-stale', 'resolved')[0]);
  } finally {
    await alerts.close();
  }
});

test('a configured maxAge wins over the schedule; a source never backed up is judged from the start of watching', async () => {
  const dir = join(work, 'max-age');
  mkdirSync(join(dir, 'files'), { recursive: true });
  let clock = Date.parse('2026-03-01T00:00:00Z');
  const monitor = new BackupMonitor({ now: () => clock });
  monitor.configure(spec(dir, { maxAgeMs: 6 * HOUR }));
  clock += 5 * HOUR;
  assert.deepEqual(monitor.snapshot().overdue, [{ source: 'files', seconds: -3600 }]);
  clock += 2 * HOUR;
  assert.deepEqual(monitor.snapshot().overdue, [{ source: 'files', seconds: 3600 }]);
  monitor.configure(spec(dir, { schedule: undefined }));
  assert.deepEqual(monitor.snapshot().overdue, [], 'no schedule and no maxAge: age is not judged');
});

test('backup-failed is sent once for a failed run; drill-failed fires until a drill passes', async () => {
  const dir = join(work, 'failing');
  mkdirSync(join(dir, 'files'), { recursive: true });
  writeFileSync(join(dir, 'files', 'a.txt'), 'b'.repeat(5000));
  const monitor = new BackupMonitor();
  const good = spec(dir);
  const broken = spec(dir, { sources: { files: { kind: 'dir', name: 'files', path: join(dir, 'no-such-dir') } } });
  const alerts = alertsFor(monitor, join(dir, 'alerts.json'));
  const before = hook.received.length;
  try {
    await alerts.evaluateOnce();
    await assert.rejects(new BackupService({ spec: broken, stateDir: join(dir, 'state'), resolve: async (v) => v, emit: monitor.record }).run(), {
      code: 'SLW_BACKUP_SOURCE_INVALID',
    });
    assert.deepEqual(monitor.snapshot().runs, [{ source: 'files', outcome: 'failed', count: 1 }]);
    await alerts.evaluateOnce();
    const failed = await until('backup-failed at the webhook', () => alertsIn(hook.received.slice(before), 'backup-failed', 'firing')[0]);
    assert.equal(failed.service, 'backup:files');
    await alerts.evaluateOnce();
    await sleep(200);
    assert.equal(alertsIn(hook.received.slice(before), 'backup-failed', 'firing').length, 1, 'an event: sent once');

    // A drill with no verified backup fails; after a good backup it passes.
    const service = new BackupService({ spec: good, stateDir: join(dir, 'state'), resolve: async (v) => v, emit: monitor.record });
    const [drill] = await runDrill(service, join(dir, 'state'));
    assert.equal(drill?.ok, false);
    await alerts.evaluateOnce();
    await until('drill-failed at the webhook', () => alertsIn(hook.received.slice(before), 'drill-failed', 'firing')[0]);
    assert.deepEqual(
      alerts.firing().map((a) => a.rule),
      ['drill-failed'],
    );
    await service.run();
    const [passed] = await runDrill(service, join(dir, 'state'));
    assert.equal(passed?.ok, true, passed?.detail);
    await alerts.evaluateOnce();
    assert.deepEqual(alerts.firing(), []);
    await until('drill-failed resolved', () => alertsIn(hook.received.slice(before), 'drill-failed', 'resolved')[0]);
    const snap = monitor.snapshot();
    assert.deepEqual([...snap.runs].sort((a, b) => a.outcome.localeCompare(b.outcome)), [
      { source: 'files', outcome: 'failed', count: 1 },
      { source: 'files', outcome: 'succeeded', count: 1 },
    ]);
    assert.deepEqual(snap.drills, [{ source: 'files', lastOk: true, passed: 1, failed: 1 }]);
    assert.equal(snap.newest.length, 1);
    assert.equal(snap.newest[0]?.target, 'local');
  } finally {
    await alerts.close();
  }
});
