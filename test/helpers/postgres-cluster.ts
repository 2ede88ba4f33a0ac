import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/lib/free-port.js';
import { runCapture } from '../../src/release/run-capture.js';

/**
 * A private PostgreSQL cluster for one test file: initdb in a temp dir as user postgres,
 * the server started directly (so its pid is ours) on loopback with password auth
 * (scram-sha-256), stopped by pid in `stop()` and its directory removed.
 */
export interface PgCluster {
  readonly port: number;
  readonly pid: number;
  readonly password: string;
  readonly bin: string;
  /** postgres://postgres:<password>@127.0.0.1:<port>/<db> */
  url(database?: string): string;
  /** Runs SQL through psql as postgres; rejects with its stderr on failure. */
  sql(database: string, sql: string): Promise<string>;
  stop(): Promise<void>;
}

export function pgBinDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).map(Number).filter((n) => n > 0).sort((a, b) => b - a) : [];
  if (majors.length === 0) throw new Error('PostgreSQL is not installed (apt-get install -y postgresql)');
  return join(root, String(majors[0]), 'bin');
}

function postgresIds(): { uid: number; gid: number } {
  const u = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const g = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid: u, gid: g };
}

async function run(argv: string[], ids: { uid: number; gid: number }, env: NodeJS.ProcessEnv): Promise<void> {
  const [file = '', ...args] = argv;
  await new Promise<void>((resolve, reject) => {
    const child = spawn(file, args, { uid: ids.uid, gid: ids.gid, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${file} exited ${code}: ${err}`))));
  });
}

export async function startPgCluster(): Promise<PgCluster> {
  if (userInfo().uid !== 0) throw new Error('the PostgreSQL tests start a cluster as user postgres and must run as root');
  const bin = pgBinDir();
  const ids = postgresIds();
  const dir = mkdtempSync(join(tmpdir(), 'slipway-pg-'));
  chownSync(dir, ids.uid, ids.gid);
  const password = `pw-${Math.random().toString(36).slice(2)}-secret`;
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, password, { mode: 0o600 });
  chownSync(pwfile, ids.uid, ids.gid);
  const data = join(dir, 'data');
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: dir };
  await run([join(bin, 'initdb'), '-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'], ids, env);
  const port = await freePort();
  const server: ChildProcess = spawn(
    join(bin, 'postgres'),
    ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'synchronous_commit=off'],
    { uid: ids.uid, gid: ids.gid, env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  server.stderr?.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const url = (database = 'postgres'): string => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  const psqlEnv = { ...env, PGPASSWORD: password };
  const sql = async (database: string, text: string): Promise<string> => {
    const r = await runCapture([join(bin, 'psql'), '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', database, '-c', text], dir, psqlEnv);
    if (r.code !== 0) throw new Error(`psql failed: ${r.stderr}`);
    return r.stdout.trim();
  };
  const stop = async (): Promise<void> => {
    if (server.exitCode === null && server.signalCode === null && server.pid) {
      process.kill(server.pid, 'SIGINT'); // fast shutdown
      await Promise.race([exited, sleep(10_000, undefined, { ref: false })]);
      if (server.exitCode === null && server.signalCode === null) process.kill(server.pid, 'SIGKILL');
      await Promise.race([exited, sleep(5_000, undefined, { ref: false })]);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await sql('postgres', 'SELECT 1');
      break;
    } catch (err) {
      if (server.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`PostgreSQL did not start: ${(err as Error).message}\n${log}`);
      }
      await sleep(100);
    }
  }
  return { port, pid: server.pid!, password, bin, url, sql, stop };
}
