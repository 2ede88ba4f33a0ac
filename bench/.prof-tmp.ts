import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateBackupKey } from '../src/backup/age-adapter.js';
import { LocalTarget } from '../src/backup/local-target.js';
import { PostgresSource } from '../src/backup/postgres-source.js';
import { BackupRepository } from '../src/backup/repository.js';
import { runBackup } from '../src/backup/run-backup.js';
import { startPgCluster } from '../test/helpers/postgres-cluster.js';
import { generateDatabase } from './backup-data.js';

const size = Number(process.argv[2] ?? 200);
const only = process.argv[3]?.split(',');
const work = mkdtempSync(join(tmpdir(), 'slipway-prof-'));
const pg = await startPgCluster();
try {
  await generateDatabase(pg, 'benchdb', size, () => undefined);
  const key = await generateBackupKey();
  const env = { ...process.env, PGPASSWORD: pg.password };
  const conn = `-h 127.0.0.1 -p ${pg.port} -U postgres -d benchdb`;
  const dump = `${pg.bin}/pg_dump -Fc -Z0 ${conn}`;
  const sh = (cmd: string) => () => new Promise<void>((res, rej) => {
    const c = spawn('bash', ['-o', 'pipefail', '-c', cmd], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    c.on('close', (code) => (code === 0 ? res() : rej(new Error(cmd))));
  });
  const slip = (opts: Record<string, unknown>) => async () => {
    const repo = new BackupRepository(new LocalTarget(join(work, 't')));
    const r = await runBackup({ source: new PostgresSource({ name: 'db', url: pg.url('benchdb') }), repo, key, lockDir: join(work, 'l'), verify: false, ...opts } as never);
    process.stderr.write(` [${(r.manifest.object.bytes / 1e6).toFixed(1)}MB]`);
  };
  const variants: Record<string, () => Promise<void>> = {
    raw: sh(`${dump} > ${work}/f`),
    rawDd: sh(`${dump} | dd bs=1M iflag=fullblock status=none > ${work}/f`),
    rawCat: sh(`${dump} | cat > ${work}/f`),
    zstd3: sh(`${dump} | zstd -3 -T0 -q -c > ${work}/f; ls -l ${work}/f >&2`),
    zstd1: sh(`${dump} | zstd -1 -T0 -q -c > ${work}/f; ls -l ${work}/f >&2`),
    zstd3age: sh(`${dump} | zstd -3 -T0 -q -c | age -r ${key.recipient} > ${work}/f`),
    slipway: slip({}),
    slipNoCo: async () => { process.env['NOCO'] = '1'; try { await slip({})(); } finally { delete process.env['NOCO']; } },
    slipNoEnc: slip({ key: 'unencrypted' }),
    slipNone: slip({ codec: 'none', key: 'unencrypted' }),
    pre: async () => { const s = new PostgresSource({ name: 'db', url: pg.url('benchdb') }); await s.toolVersions(); },
    count: async () => {
      const c = spawn(`${pg.bin}/pg_dump`, ['-Fc', '-Z0', ...conn.split(' ')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      let n = 0, b = 0;
      c.stdout.on('data', (d: Buffer) => { n++; b += d.length; });
      await new Promise((r) => c.on('close', r));
      process.stderr.write(` chunks ${n} avg ${(b / n).toFixed(0)}B `);
    },
    countDd: async () => {
      const c = spawn('bash', ['-o', 'pipefail', '-c', `${dump} | dd bs=1M iflag=fullblock status=none`], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      let n = 0, b = 0;
      c.stdout.on('data', (d: Buffer) => { n++; b += d.length; });
      await new Promise((r) => c.on('close', r));
      process.stderr.write(` chunks ${n} avg ${(b / n).toFixed(0)}B `);
    },
    nodePipe: async () => {
      const c = spawn(`${pg.bin}/pg_dump`, ['-Fc', '-Z0', ...conn.split(' ')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      const { createWriteStream } = await import('node:fs');
      const { pipeline } = await import('node:stream/promises');
      await pipeline(c.stdout, createWriteStream(`${work}/f`));
    },
    nodePipeSync: async () => {
      const c = spawn(`${pg.bin}/pg_dump`, ['-Fc', '-Z0', ...conn.split(' ')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      const { open } = await import('node:fs/promises');
      const h = await open(`${work}/f`, 'w');
      for await (const chunk of c.stdout) await h.write(chunk);
      const t = performance.now(); await h.sync(); process.stderr.write(` fsync ${(performance.now()-t).toFixed(0)}ms`); await h.close();
    },
    syncOnly: sh(`${dump} > ${work}/f; sync ${work}/f`),
  };
  const { readFileSync } = await import('node:fs');
  const ticks = (pid: number | 'self', withSelf: boolean) => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const [ut, st, cut, cst] = [11, 12, 13, 14].map((i) => Number(f[i]));
    return (withSelf ? ut! + st! : 0) + cut! + cst!;
  };
  const cpu = () => ticks('self', true) + ticks(pg.pid, false);
  for (let round = 0; round < 3; round++) {
    for (const [name, fn] of Object.entries(variants)) {
      if (only && !only.includes(name)) continue;
      const t = performance.now();
      const c0 = cpu();
      await fn();
      console.log(`${name.padEnd(12)} ${((performance.now() - t) / 1000).toFixed(2)} s  cpu ${((cpu() - c0) / 100).toFixed(2)} s`);
    }
  }
} finally {
  await pg.stop();
  rmSync(work, { recursive: true, force: true });
}
