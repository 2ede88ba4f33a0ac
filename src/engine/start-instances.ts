import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { EngineDeps } from './deps.js';
import { setInstanceState } from './instance-ops.js';
import type { InstanceRecord, ReleaseRecord } from './records.js';
import { CONTAINER_DRIVER, volumeMounts } from './release-image.js';
import { resolveStackEnv, resolveStackRefs } from './service-refs.js';
import { userIds } from './service-user.js';

/** Journals then starts one instance of a release on a fresh port. */
export async function startInstance(deps: EngineDeps, release: ReleaseRecord, deploymentId: string | undefined, fixedPort?: number): Promise<InstanceRecord> {
  const port = fixedPort ?? (await deps.allocatePort());
  const id = `${release.service}-${release.id}-${randomBytes(3).toString('hex')}`;
  const record: InstanceRecord = {
    id,
    service: release.service,
    releaseId: release.id,
    port,
    handle: undefined,
    state: 'starting',
    restarts: 0,
    lastExit: undefined,
    createdBy: deploymentId,
    updatedAt: new Date(deps.now()).toISOString(),
  };
  deps.store.transact({ deploymentId, kind: 'instance.starting', data: { id, port, release: release.id } }, (tx) => tx.putInstance(record));
  return spawnInstance(deps, record, release, deploymentId);
}

/** Starts (or restarts) the process of a journaled instance and journals its pid. */
export async function spawnInstance(
  deps: EngineDeps,
  record: InstanceRecord,
  release: ReleaseRecord,
  deploymentId: string | undefined,
): Promise<InstanceRecord> {
  const self = { host: '127.0.0.1', port: record.port };
  const handle = await deps.drivers.get(release.spec.driver).start({
    id: record.id,
    service: record.service,
    releaseId: record.releaseId,
    cwd: join(release.dir, 'app'),
    command: release.spec.run.map((arg) => resolveStackRefs(deps, arg, self)),
    env: { ...deps.baseEnv, ...resolveStackEnv(deps, release.spec.env, self) },
    port: record.port,
    ...(release.spec.image === undefined ? {} : { image: release.spec.image }),
    ...(deps.project ? { project: deps.project } : {}),
    ...(release.spec.driver === CONTAINER_DRIVER ? { mounts: volumeMounts(deps, release.spec.volumes) } : {}),
    ...(release.spec.isolation ? { isolation: release.spec.isolation } : {}),
    ...(release.spec.user === undefined ? {} : { user: userIds(release.spec.user) }),
  });
  return setInstanceState(
    deps,
    record,
    'starting',
    { handle },
    deploymentId,
  );
}

export async function startInstances(deps: EngineDeps, release: ReleaseRecord, deploymentId: string | undefined): Promise<InstanceRecord[]> {
  const started: InstanceRecord[] = [];
  for (let n = 0; n < release.spec.instances; n++) started.push(await startInstance(deps, release, deploymentId));
  return started;
}
