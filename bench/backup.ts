// PostgreSQL backup and restore time against pg_dump and pg_restore measured in the same run
// (node --import tsx bench/backup.ts [--size-mb 1024] [--rounds 3] [--no-restore]).
// Targets: slipway's backup ≤ 1.25× raw `pg_dump -Fc -Z0 > file`, and ≥ 3× faster than
// `pg_dump -Fc` (its default compression) at a similar size. Restore: against plain pg_restore.
// Runs as root: it starts its own PostgreSQL cluster (as user postgres), stopped at the end.
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateBackupKey } from '../src/backup/age-adapter.js';
import { LocalTarget } from '../src/backup/local-target.js';
import { PostgresSource } from '../src/backup/postgres-source.js';
import { BackupRepository } from '../src/backup/repository.js';
import { restoreBackup } from '../src/backup/restore.js';
import { runBackup } from '../src/backup/run-backup.js';
import { startPgCluster, type PgCluster } from '../test/helpers/postgres-cluster.js';
import { generateDatabase } from './backup-data.js';
import { REPO_ROOT } from './bench-project.js';
import { round, summarize } from './stats.js';

const { values: args } = parseArgs({
  options: { 'size-mb': { type: 'string', default: '1024' }, rounds: { type: 'string', default: '3' }, 'no-restore': { type: 'boolean', default: false } },
});
const SIZE_MB = Number(args['size-mb']);
const ROUNDS = Number(args.rounds);
const DB = 'benchdb';

type Row = { label: string; ms: number[]; cpuMs: number[]; bytes?: number };
const rows = new Map<string, Row>();
function record(key: string, label: string, ms: number, cpuMs: number, bytes?: number): void {
  const row = rows.get(key) ?? { label, ms: [], cpuMs: [] };
  row.ms.push(ms);
  row.cpuMs.push(cpuMs);
  if (bytes !== undefined) row.bytes = bytes;
  rows.set(key, row);
}

/**
 * CPU time of this process and of every child it waited for (pg_dump, zstd, age, pg_restore…),
 * in ms; the PostgreSQL server's own share is left out (it is the same for every contender).
 * On a shared machine this moves far less than wall time.
 */
function cpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0);
  return ticks * 10; // USER_HZ is 100 on Linux
}

/** Wall and CPU time of `work`. */
async function measure<T>(work: () => Promise<T>): Promise<{ result: T; ms: number; cpu: number }> {
  const cpu0 = cpuMs();
  const began = performance.now();
  const result = await work();
  return { result, ms: performance.now() - began, cpu: cpuMs() - cpu0 };
}
const median = (key: string): number => summarize(rows.get(key)?.ms ?? []).median;

/** Runs argv with stdout to `outFile` (fd to fd, like a shell redirect). */
async function run(argv: string[], env: NodeJS.ProcessEnv, outFile?: string): Promise<void> {
  const [file = '', ...rest] = argv;
  const fd = outFile ? openSync(outFile, 'w') : undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(file, rest, { env, stdio: ['ignore', fd ?? 'ignore', 'pipe'] });
      let err = '';
      child.stderr?.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-2000)));
      child.once('error', reject);
      child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${file} exited ${code}: ${err}`))));
    });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

interface Ctx {
  readonly pg: PgCluster;
  readonly work: string;
  readonly env: NodeJS.ProcessEnv;
  readonly key: Awaited<ReturnType<typeof generateBackupKey>>;
  readonly repo: BackupRepository;
  /** The latest slipway backup, restored by the restore rounds. */
  readonly last: { id?: string };
}

const connArgs = (pg: PgCluster, db: string): string[] => ['-h', '127.0.0.1', '-p', String(pg.port), '-U', 'postgres', '-d', db];

const backups: Record<string, (c: Ctx, round: number) => Promise<void>> = {
  async raw(c) {
    const file = join(c.work, 'raw.pgdump');
    const { ms, cpu } = await measure(() => run([join(c.pg.bin, 'pg_dump'), '-Fc', '-Z0', ...connArgs(c.pg, DB)], c.env, file));
    record('raw', 'pg_dump -Fc -Z0 > file', ms, cpu, statSync(file).size);
  },
  async default(c) {
    const file = join(c.work, 'default.pgdump');
    const { ms, cpu } = await measure(() => run([join(c.pg.bin, 'pg_dump'), '-Fc', ...connArgs(c.pg, DB)], c.env, file));
    record('default', 'pg_dump -Fc (default compression) > file', ms, cpu, statSync(file).size);
    rmSync(file);
  },
  async slipway(c) {
    const source = new PostgresSource({ name: 'db', url: c.pg.url(DB) });
    // As the daemon runs it: the backup, then its verify (which the direct pg_dump → zstd path
    // relies on for the format check); the backup's share ends when its manifest is committed.
    let committed: { ms: number; cpu: number } | undefined;
    const began = { ms: performance.now(), cpu: cpuMs() };
    const both = await measure(() =>
      runBackup({
        source,
        repo: c.repo,
        key: c.key,
        lockDir: join(c.work, 'locks'),
        emit: (event) => {
          if (event.type === 'backup.committed') committed = { ms: performance.now() - began.ms, cpu: cpuMs() - began.cpu };
        },
      }),
    );
    const { manifest, verification } = both.result;
    if (!committed) throw new Error('the backup was never committed');
    if (!verification?.ok) throw verification?.error ?? new Error('the backup was not verified');
    c.last.id = manifest.id;
    record('slipway', 'slipway backup (pg_dump | zstd | age → SHA-256 → dir)', committed.ms, committed.cpu, manifest.object.bytes);
    record('verify', 'slipway verify (read, SHA-256, decrypt, decompress, pg_restore --list)', both.ms - committed.ms, both.cpu - committed.cpu);
    record('slipwayVerified', 'slipway backup + verify (what the daemon runs)', both.ms, both.cpu);
  },
};

const restores: Record<string, (c: Ctx, round: number) => Promise<void>> = {
  async plain(c, n) {
    const db = `plain_${n}`;
    await c.pg.sql('postgres', `CREATE DATABASE ${db}`);
    const argv = [join(c.pg.bin, 'pg_restore'), '--no-owner', '--no-acl', '--exit-on-error', ...connArgs(c.pg, db), join(c.work, 'raw.pgdump')];
    const { ms, cpu } = await measure(() => run(argv, c.env));
    record('plainRestore', 'pg_restore (one job) from the raw file', ms, cpu);
    await c.pg.sql('postgres', `DROP DATABASE ${db}`);
  },
  async slipway(c, n) {
    if (!c.last.id) throw new Error('no backup to restore');
    const db = `slipway_${n}`;
    let verifiedAt = 0;
    const began = performance.now();
    const cpu0 = cpuMs();
    let verifyCpu = 0;
    await restoreBackup({
      repo: c.repo,
      id: c.last.id,
      key: c.key,
      to: c.pg.url('postgres'),
      mode: { kind: 'scratch', into: db },
      emit: (e) => {
        if (e.type !== 'backup.verified') return;
        verifiedAt = performance.now();
        verifyCpu = cpuMs() - cpu0;
      },
    });
    const end = performance.now();
    const cpu = cpuMs() - cpu0;
    record('slipwayRestore', 'slipway restore (verify first, then restore)', end - began, cpu);
    record('slipwayRestoreOnly', 'slipway restore, restore part only', end - verifiedAt, cpu - verifyCpu);
    await c.pg.sql('postgres', `DROP DATABASE ${db}`);
  },
};

/** Round n runs the contenders in an order rotated by n, so none always goes first on a cold cache. */
async function alternate(c: Ctx, table: Record<string, (c: Ctx, round: number) => Promise<void>>, n: number): Promise<void> {
  const names = Object.keys(table);
  for (let i = 0; i < names.length; i++) {
    const name = names[(i + n) % names.length]!;
    await table[name]!(c, n);
  }
}

const cpuMedian = (key: string): number => summarize(rows.get(key)?.cpuMs ?? []).median;
const ratio = (a: number, b: number): number => round(a / b, 2);

function report(): Record<string, number> {
  const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`.padStart(9);
  console.log(`${'median of each'.padEnd(74)}      wall  CPU (no server)      size   wall runs`);
  for (const row of rows.values()) {
    const size = row.bytes === undefined ? '' : `${(row.bytes / 1e6).toFixed(1)} MB`;
    const runs = row.ms.map((v) => (v / 1000).toFixed(2)).join(' ');
    console.log(`${row.label.padEnd(74)} ${secs(summarize(row.ms).median)} ${secs(summarize(row.cpuMs).median)}      ${size.padStart(10)}   ${runs}`);
  }
  const ratios: Record<string, number> = {
    backupVsRaw: ratio(median('slipway'), median('raw')),
    backupWithVerifyVsRaw: ratio(median('slipwayVerified'), median('raw')),
    defaultVsBackup: ratio(median('default'), median('slipway')),
    sizeVsDefault: ratio(rows.get('slipway')?.bytes ?? 0, rows.get('default')?.bytes ?? 1),
    cpuBackupVsRaw: ratio(cpuMedian('slipway'), cpuMedian('raw')),
    cpuDefaultVsBackup: ratio(cpuMedian('default'), cpuMedian('slipway')),
  };
  if (rows.has('plainRestore')) {
    ratios['restoreVsPlain'] = ratio(median('slipwayRestore'), median('plainRestore'));
    ratios['restoreOnlyVsPlain'] = ratio(median('slipwayRestoreOnly'), median('plainRestore'));
  }
  const mark = (ok: boolean): string => (ok ? '✓' : '✗');
  console.log('');
  console.log(`backup / raw pg_dump -Z0 (wall):      ${ratios['backupVsRaw']}×  target ≤ 1.25 ${mark(ratios['backupVsRaw']! <= 1.25)}   (CPU: ${ratios['cpuBackupVsRaw']}×)`);
  console.log(`backup + verify / raw pg_dump -Z0:    ${ratios['backupWithVerifyVsRaw']}×`);
  console.log(`pg_dump default / backup (wall):      ${ratios['defaultVsBackup']}×  target ≥ 3 ${mark(ratios['defaultVsBackup']! >= 3)}   (CPU: ${ratios['cpuDefaultVsBackup']}×)`);
  console.log(`size / pg_dump default size:          ${ratios['sizeVsDefault']}×`);
  if (rows.has('plainRestore')) {
    console.log(`restore / plain pg_restore (wall):    ${ratios['restoreVsPlain']}×   (restore part only: ${ratios['restoreOnlyVsPlain']}×)`);
  }
  return ratios;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'slipway-bench-backup-'));
  let pg: PgCluster | undefined;
  const stop = async (): Promise<void> => {
    await pg?.stop();
    pg = undefined;
    rmSync(work, { recursive: true, force: true });
  };
  const onSignal = (): void => void stop().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    pg = await startPgCluster();
    await pg.sql('postgres', 'ALTER SYSTEM SET autovacuum = off'); // no background work in the middle of a round
    await pg.sql('postgres', 'SELECT pg_reload_conf()');
    const began = performance.now();
    await generateDatabase(pg, DB, SIZE_MB, (l) => process.stderr.write(`\rgenerating: ${l}      `));
    const dbBytes = Number(await pg.sql('postgres', `SELECT pg_database_size('${DB}')`));
    console.log(`\ngenerated ${(dbBytes / 1e6).toFixed(0)} MB in ${((performance.now() - began) / 1000).toFixed(0)} s; ${ROUNDS} rounds`);
    const c: Ctx = {
      pg,
      work,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', PGPASSWORD: pg.password },
      key: await generateBackupKey(),
      repo: new BackupRepository(new LocalTarget(join(work, 'target'))),
      last: {},
    };
    for (let n = 0; n < ROUNDS; n++) {
      await alternate(c, backups, n);
      if (!args['no-restore']) await alternate(c, restores, n);
      process.stderr.write(`round ${n + 1}/${ROUNDS} done\n`);
    }
    const ratios = report();
    const results = Object.fromEntries(
      [...rows].map(([k, r]) => [k, { label: r.label, bytes: r.bytes, ...summarize(r.ms), cpuMedian: summarize(r.cpuMs).median, runs: r.ms.map((v) => round(v)), cpuRuns: r.cpuMs }]),
    );
    const machine = { cpus: cpus().length, model: cpus()[0]?.model, node: process.version };
    await mkdir(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
    const out = join(REPO_ROOT, 'bench', 'results', 'backup.json');
    await writeFile(out, `${JSON.stringify({ date: new Date().toISOString(), sizeMb: SIZE_MB, databaseBytes: dbBytes, rounds: ROUNDS, machine, ratios, results }, null, 1)}\n`);
    console.log(`results written to ${out}`);
  } finally {
    await stop();
  }
}

await main();
