// First use of a volume two services share, seeded by both at once (services of one dependsOn
// level deploy side by side): both releases link the one volume, nothing is left half-made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mountVolumes, volumesRoot } from '../../src/engine/volumes.js';

test('two releases seeding one new volume at the same time: both link it, one seed kept, no seed folder left', async () => {
  const stateDir = await mkdtemp(join(tmpdir(), 'slw-volumes-'));
  try {
    for (let round = 0; round < 20; round++) {
      const deps = { stateDir, project: `p${round}` };
      const apps = ['api', 'jobs'].map((name) => join(stateDir, 'releases', String(round), name));
      for (const [i, app] of apps.entries()) {
        await mkdir(join(app, 'data'), { recursive: true });
        await writeFile(join(app, 'data', `seeded-by-${i}`), `${i}\n`);
      }
      await Promise.all(apps.map((app) => mountVolumes(deps, app, { data: { path: './data' } })));
      const volume = join(volumesRoot(deps), 'data');
      for (const app of apps) assert.equal(await readlink(join(app, 'data')), volume);
      const seeded = await readdir(volume);
      assert.equal(seeded.length, 1, `one release's seed is the volume: ${seeded.join(', ')}`);
      assert.deepEqual(await readdir(volumesRoot(deps)), ['data'], 'no seed folder left beside the volume');
    }
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
});
