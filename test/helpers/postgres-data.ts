import type { PgCluster } from './postgres-cluster.js';
import { runCapture } from '../../src/release/run-capture.js';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

/** A schema with the things dumps get wrong: types, sequences, views, functions, indexes, NULLs, unicode. */
export async function seedDatabase(pg: PgCluster, database: string, rows: number): Promise<void> {
  await pg.sql('postgres', `CREATE DATABASE ${database}`);
  await pg.sql(
    database,
    `CREATE TABLE users (id bigserial PRIMARY KEY, email text UNIQUE NOT NULL, name text, created timestamptz NOT NULL DEFAULT '2024-01-01T00:00:00Z', meta jsonb, score numeric(10,2));
     CREATE TABLE events (id bigserial PRIMARY KEY, user_id bigint REFERENCES users(id), payload text, at timestamptz);
     CREATE INDEX events_user ON events (user_id);
     CREATE VIEW active_users AS SELECT id, email FROM users WHERE score > 10;
     CREATE FUNCTION score_of(bigint) RETURNS numeric LANGUAGE sql AS 'SELECT score FROM users WHERE id = $1';
     INSERT INTO users (email, name, meta, score)
       SELECT 'u' || g || '@example.com', CASE WHEN g % 7 = 0 THEN NULL ELSE 'Näme ' || g || ' 🚀' END, jsonb_build_object('n', g), g % 100
       FROM generate_series(1, 1000) g;
     INSERT INTO events (user_id, payload, at)
       SELECT 1 + g % 1000, md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text), '2024-01-01T00:00:00Z'::timestamptz + g * interval '1 second'
       FROM generate_series(1, ${rows}) g;`,
  );
}

/** A plain-text dump of a database without the lines that differ on every run (times, \\restrict keys). */
export async function comparableDump(pg: PgCluster, database: string): Promise<string> {
  const r = await runCapture(
    [join(pg.bin, 'pg_dump'), '--format=plain', '-h', '127.0.0.1', '-p', String(pg.port), '-U', 'postgres', database],
    tmpdir(),
    { PATH: process.env['PATH'] ?? '/usr/bin:/bin', PGPASSWORD: pg.password },
  );
  if (r.code !== 0) throw new Error(`pg_dump failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((line) => !/^-- (Dumped from|Dumped by|Started on|Completed on)/.test(line) && !/^\\(un)?restrict /.test(line))
    .join('\n');
}
