// The generated database of the backup bench: mixed, realistic rows made inside PostgreSQL
// with generate_series (fast: no client round trips), in batches so progress shows.
import type { PgCluster } from '../test/helpers/postgres-cluster.js';

/** Approximate on-disk bytes per generated row of each table (heap + indexes), measured. */
const ORDERS_ROW = 330;
const BLOB_ROW = 2200;
/** Share of the database in incompressible bytes (uploads, hashes, encrypted columns). */
const BLOB_SHARE = 0.12;

/**
 * `orders`: numbers, short and medium text (words, emails), a status enum-like text,
 * timestamps, numeric, jsonb, NULLs; `attachments`: 2 KB of random bytes each (bytea).
 * Indexes on both so that a restore rebuilds them like a real one does.
 */
export async function generateDatabase(pg: PgCluster, database: string, sizeMb: number, log: (line: string) => void): Promise<void> {
  await pg.sql('postgres', `CREATE DATABASE ${database}`);
  await pg.sql(database, 'CREATE EXTENSION IF NOT EXISTS pgcrypto');
  await pg.sql(
    database,
    `CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL, email text NOT NULL, status text NOT NULL,
       amount numeric(12,2), created timestamptz NOT NULL, note text, meta jsonb);
     CREATE TABLE attachments (id bigint PRIMARY KEY, order_id bigint NOT NULL, name text NOT NULL, data bytea NOT NULL);`,
  );
  const bytes = sizeMb * 1024 * 1024;
  const orders = Math.round((bytes * (1 - BLOB_SHARE)) / ORDERS_ROW);
  const blobs = Math.round((bytes * BLOB_SHARE) / BLOB_ROW);
  const batch = 500_000;
  for (let from = 1; from <= orders; from += batch) {
    const to = Math.min(orders, from + batch - 1);
    await pg.sql(
      database,
      `INSERT INTO orders
         SELECT g, (1 + (g * 7919) % 200000)::int, 'customer' || ((g * 7919) % 200000) || '@example.com',
           (ARRAY['new','paid','shipped','delivered','refunded'])[1 + (g % 5)::int], ((g * 37) % 100000) / 100.0,
           '2024-01-01T00:00:00Z'::timestamptz + g * interval '7 seconds',
           CASE WHEN g % 9 = 0 THEN NULL ELSE 'order ' || g || ' ' || substr(md5(g::text), 1, 8 + (g % 24)::int) || ' gift wrap please, leave at the door' END,
           jsonb_build_object('items', 1 + g % 6, 'coupon', CASE WHEN g % 4 = 0 THEN 'SPRING' || g % 50 END, 'tags', jsonb_build_array('a' || g % 13, 'b' || g % 7))
         FROM generate_series(${from}::bigint, ${to}::bigint) g`,
    );
    log(`orders ${to}/${orders}`);
  }
  for (let from = 1; from <= blobs; from += batch / 4) {
    const to = Math.min(blobs, from + batch / 4 - 1);
    await pg.sql(
      database,
      `INSERT INTO attachments SELECT g, 1 + (g * 31) % ${orders}, 'file-' || g || '.bin', gen_random_bytes(1024) || gen_random_bytes(1024)
         FROM generate_series(${from}::bigint, ${to}::bigint) g`,
    );
    log(`attachments ${to}/${blobs}`);
  }
  await pg.sql(database, 'CREATE INDEX orders_customer ON orders (customer_id); CREATE INDEX attachments_order ON attachments (order_id)');
  await pg.sql(database, 'VACUUM ANALYZE');
}
