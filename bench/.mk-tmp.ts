import { startPgCluster } from '../test/helpers/postgres-cluster.js';
import { generateDatabase } from './backup-data.js';
import { spawnSync } from 'node:child_process';
const pg = await startPgCluster();
try {
  await generateDatabase(pg, 'benchdb', 200, () => undefined);
  const r = spawnSync('bash', ['-c', `${pg.bin}/pg_dump -Fc -Z0 -h 127.0.0.1 -p ${pg.port} -U postgres -d benchdb > /tmp/bb/raw.pgdump`], { env: { ...process.env, PGPASSWORD: pg.password }, stdio: 'inherit' });
  console.log(r.status);
} finally { await pg.stop(); }
