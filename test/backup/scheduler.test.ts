// backups.schedule and backups.drill.schedule in the daemon's scheduler: with an injected clock
// the runs happen at the cron times, in order, and re-arm; with the real clock a per-second
// schedule (six cron fields) runs on its seconds. The jobs are real: backups into a temp dir.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateBackupKey } from '../../src/backup/age-adapter.js';
import { BackupScheduler, type SchedulerClock } from '../../src/daemon/backup-scheduler.js';
import { DaemonBackups } from '../../src/daemon/backup-wiring.js';
import { DaemonSecrets } from '../../src/secrets/daemon-secrets.js';

let work: string;
let identity: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'slipway-backup-schedule-'));
  identity = (await generateBackupKey()).identity;
});

after(() => rmSync(work, { recursive: true, force: true }));

/** A project with one directory source and the given schedules. */
function project(name: string, schedule: string, drill: string | undefined): { configFile: string; stateDir: string; backupsDir: string } {
  const dir = join(work, name);
  mkdirSync(join(dir, 'files'), { recursive: true });
  writeFileSync(join(dir, 'files', 'a.txt'), 'x'.repeat(4000));
  writeFileSync(
    join(dir, 'slipway.yaml'),
    `version: 1
backups:
  key: ${identity}
  targets: { local: { dir: ./backups } }
  sources: { files: { dir: ./files } }
  schedule: "${schedule}"
${drill ? `  drill: { schedule: "${drill}" }\n` : ''}services:
  web:
    run: node server.js
`,
  );
  return { configFile: join(dir, 'slipway.yaml'), stateDir: join(dir, 'state'), backupsDir: join(dir, 'backups', 'files') };
}

/** Timers on a clock that moves only when told to. */
class ManualClock implements SchedulerClock {
  #t: number;
  readonly timers: { at: number; fn: () => void }[] = [];

  constructor(start: number) {
    this.#t = start;
  }

  now(): number {
    return this.#t;
  }

  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.#t + ms, fn };
    this.timers.push(timer);
    return () => {
      const i = this.timers.indexOf(timer);
      if (i >= 0) this.timers.splice(i, 1);
    };
  }

  /** Moves to the earliest timer and fires it; returns the time. */
  fireNext(): number {
    const [next] = [...this.timers].sort((a, b) => a.at - b.at);
    assert.ok(next, 'a timer is armed');
    this.timers.splice(this.timers.indexOf(next), 1);
    this.#t = next.at;
    next.fn();
    return this.#t;
  }

  pending(): number[] {
    return this.timers.map((t) => t.at).sort((a, b) => a - b);
  }
}

const local = (y: number, mo: number, d: number, h: number, mi = 0, s = 0): number => new Date(y, mo - 1, d, h, mi, s).getTime();

function scheduler(p: { configFile: string; stateDir: string }, clock?: SchedulerClock): { s: BackupScheduler; lines: { at: number; line: string }[] } {
  const backups = new DaemonBackups({ stateDir: p.stateDir, secrets: new DaemonSecrets({ stateDir: p.stateDir, environ: process.env }) });
  const lines: { at: number; line: string }[] = [];
  const s = new BackupScheduler(backups, { configFile: p.configFile }, (line) => void lines.push({ at: (clock ?? { now: Date.now }).now(), line }), clock);
  return { s, lines };
}

test('injected clock: the backup runs daily at 03:00 and the drill on Sunday at 04:00, in order, each re-armed after its run', { timeout: 120_000 }, async () => {
  const p = project('manual', '0 3 * * *', '0 4 * * 0');
  // Saturday 3 January 2026, 02:30 local time.
  const clock = new ManualClock(local(2026, 1, 3, 2, 30));
  const { s, lines } = scheduler(p, clock);
  try {
    assert.deepEqual(await s.start(), ['backup (0 3 * * *)', 'drill (0 4 * * 0)']);
    assert.deepEqual(clock.pending(), [local(2026, 1, 3, 3), local(2026, 1, 4, 4)], 'first runs: today 03:00, Sunday 04:00');
    assert.equal(lines.length, 0, 'nothing runs before its time');

    const fired: number[] = [];
    for (let i = 0; i < 4; i++) {
      fired.push(clock.fireNext());
      await s.idle();
    }
    assert.deepEqual(fired, [local(2026, 1, 3, 3), local(2026, 1, 4, 3), local(2026, 1, 4, 4), local(2026, 1, 5, 3)]);
    assert.deepEqual(
      lines.map((l) => [l.at, l.line.split(':')[0]]),
      [
        [local(2026, 1, 3, 3), 'scheduled backup'],
        [local(2026, 1, 4, 3), 'scheduled backup'],
        [local(2026, 1, 4, 4), 'scheduled drill'],
        [local(2026, 1, 5, 3), 'scheduled backup'],
      ],
    );
    assert.match(lines[0]!.line, /^scheduled backup: backed up files-\S+; pruned 0$/);
    assert.match(lines[2]!.line, /^scheduled drill: files: pass$/);
    assert.equal(readdirSync(p.backupsDir).filter((f) => f.endsWith('.manifest.json')).length, 3, 'three real backups');
    assert.deepEqual(clock.pending(), [local(2026, 1, 6, 3), local(2026, 1, 11, 4)], 'each job re-armed for its next time');
  } finally {
    await s.close();
  }
  assert.deepEqual(clock.pending(), [], 'close cancels the timers');
});

test('injected clock: a timer that fires early (or a wait longer than a timer can hold) re-arms without running', async () => {
  const p = project('early', '0 0 1 1 *', undefined);
  const clock = new ManualClock(local(2026, 2, 1, 0));
  const { s, lines } = scheduler(p, clock);
  try {
    await s.start();
    const [first] = clock.pending();
    assert.equal(first, local(2026, 2, 1, 0) + (2 ** 31 - 1), 'a yearly run is ~11 months away: the timer holds ~24.8 days');
    clock.fireNext();
    await s.idle();
    assert.deepEqual(lines, [], 'not yet: re-armed');
    assert.equal(clock.pending().length, 1);
  } finally {
    await s.close();
  }
});

test('real clock: a six-field (per-second) schedule runs on its seconds', { timeout: 60_000 }, async () => {
  const p = project('realtime', '*/2 * * * * *', undefined);
  const { s, lines } = scheduler(p);
  try {
    await s.start();
    const deadline = Date.now() + 15_000;
    while (lines.length < 2 && Date.now() < deadline) await sleep(50);
  } finally {
    await s.close();
  }
  assert.ok(lines.length >= 2, `two runs in 15 s: ${JSON.stringify(lines)}`);
  for (const l of lines) assert.match(l.line, /^scheduled backup: backed up files-/);
  // The job logs when it finishes; the backups record when they started: on even seconds.
  const started = readdirSync(p.backupsDir)
    .filter((f) => f.endsWith('.manifest.json'))
    .map((f) => new Date((JSON.parse(readFileSync(join(p.backupsDir, f), 'utf8')) as { startedAt: string }).startedAt));
  assert.ok(started.length >= 2);
  for (const at of started) {
    assert.equal(at.getSeconds() % 2, 0, `started on an even second: ${at.toISOString()}`);
    assert.ok(at.getMilliseconds() < 900, `started soon after the second began: ${at.toISOString()}`);
  }
});
