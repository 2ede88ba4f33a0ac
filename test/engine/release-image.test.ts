import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceSpec } from '../../src/config/model.js';
import type { EngineDeps } from '../../src/engine/deps.js';
import type { ImageBuild, ImageStore } from '../../src/engine/images.js';
import type { ReleaseRecord } from '../../src/engine/records.js';
import { prepareReleaseImage, releaseTag } from '../../src/engine/release-image.js';
import { releaseSpecOf } from '../../src/engine/build-release.js';
import { SlipwayError } from '../../src/errors.js';

/** An ImageStore that records calls; `up` false makes ping fail as an unreachable engine does. */
function images(o: { up?: boolean; present?: string[] } = {}): ImageStore & { calls: string[]; builds: ImageBuild[] } {
  const calls: string[] = [];
  const builds: ImageBuild[] = [];
  return {
    calls,
    builds,
    repository: 'localhost/slipway-0123abcd',
    ping: async () => {
      calls.push('ping');
      if (o.up === false) throw new SlipwayError('SLW_DRIVER_ENGINE_UNREACHABLE', 'away');
    },
    exists: async (ref) => (calls.push(`exists ${ref}`), (o.present ?? []).includes(ref)),
    build: async (b) => void (calls.push(`build ${b.tag}`), builds.push(b)),
    remove: async (ref) => void calls.push(`remove ${ref}`),
  };
}

/** A service with only what the image step and releaseSpecOf read; the cast skips fields neither touches (drain, canary steps, …). */
const service = (container: ServiceSpec['container']): ServiceSpec =>
  ({ name: 'web', container, run: [], volumes: { data: { path: '/data' } }, env: {}, instances: 1, health: { path: '/', intervalMs: 1, timeoutMs: 1, rise: 1, fall: 1, startTimeoutMs: 1 }, routes: [], canary: {} }) as unknown as ServiceSpec;

async function setup(store: ImageStore) {
  const stateDir = await mkdtemp(join(tmpdir(), 'slipway-release-image-'));
  // The image step reads only images, stateDir and project of the engine's dependencies.
  const deps = { images: store, stateDir, project: 'shop' } as unknown as EngineDeps;
  const release = { id: 'r7', dir: join(stateDir, 'releases', 'web', 'r7') } as ReleaseRecord;
  return { stateDir, deps, release, done: () => rm(stateDir, { recursive: true, force: true }) };
}

test('a Dockerfile release is built into its own tag named after project, service and release; the volume directory exists', async () => {
  const store = images();
  const { deps, release, stateDir, done } = await setup(store);
  try {
    const got = await prepareReleaseImage(deps, service({ kind: 'dockerfile', context: '/src', dockerfile: 'Dockerfile', buildArgs: { A: '1' } }), release);
    assert.deepEqual(got, { image: 'localhost/slipway-0123abcd/shop-web:r7', imageBuilt: true });
    assert.deepEqual(store.calls, ['ping', 'build localhost/slipway-0123abcd/shop-web:r7']);
    assert.equal(store.builds[0]?.logFile, join(release.dir, 'build.log'));
    assert.ok((await stat(join(stateDir, 'volumes', 'shop', 'data'))).isDirectory());
    assert.equal(releaseTag(store, undefined, 'api', 'r1'), 'localhost/slipway-0123abcd/default-api:r1');
  } finally {
    await done();
  }
});

test('preflight: an engine away or an image missing is a coded error before any build; an image present is used as is', async () => {
  for (const [store, code] of [
    [images({ up: false }), 'SLW_DRIVER_ENGINE_UNREACHABLE'],
    [images(), 'SLW_DRIVER_IMAGE_MISSING'],
  ] as const) {
    const { deps, release, done } = await setup(store);
    try {
      await assert.rejects(prepareReleaseImage(deps, service({ kind: 'image', image: 'app:1' }), release), { code });
      assert.ok(!store.calls.some((c) => c.startsWith('build')));
    } finally {
      await done();
    }
  }
  const present = images({ present: ['app:1'] });
  const { deps, release, done } = await setup(present);
  try {
    assert.deepEqual(await prepareReleaseImage(deps, service({ kind: 'image', image: 'app:1' }), release), { image: 'app:1', imageBuilt: false });
  } finally {
    await done();
  }
});

test('a container service records the container driver and its image in the release; a process service records neither', () => {
  const spec = releaseSpecOf(service({ kind: 'image', image: 'app:1' }));
  assert.equal(spec.driver, 'container');
  assert.equal(spec.image, 'app:1');
  const processSpec = releaseSpecOf(service(undefined));
  assert.equal(processSpec.driver, undefined);
  assert.equal(processSpec.image, undefined);
});
