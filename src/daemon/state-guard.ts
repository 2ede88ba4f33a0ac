import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SlipwayError } from '../errors.js';

/**
 * Release directories on disk (`releases/<service>/<id>/` and
 * `projects/<project>/releases/<service>/<id>/`), as `service/id` or `project/service/id`. Each
 * was journaled in the state database before it was made (invariant 2), so a database that
 * knows none of them has been lost, not emptied by slipway.
 */
export function releasesOnDisk(stateDir: string): string[] {
  const found = releasesUnder(join(stateDir, 'releases'));
  const projects = join(stateDir, 'projects');
  if (existsSync(projects)) {
    for (const project of readdirSync(projects, { withFileTypes: true })) {
      if (project.isDirectory()) found.push(...releasesUnder(join(projects, project.name, 'releases')).map((r) => `${project.name}/${r}`));
    }
  }
  return found.sort();
}

function releasesUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  const found: string[] = [];
  for (const service of readdirSync(root, { withFileTypes: true })) {
    if (!service.isDirectory()) continue;
    for (const release of readdirSync(join(root, service.name), { withFileTypes: true })) {
      if (release.isDirectory()) found.push(`${service.name}/${release.name}`);
    }
  }
  return found;
}

/**
 * Refuses to start on a state database that is missing or holds no release while releases or
 * live instances of this state directory exist: reading it as "nothing deployed" would push an
 * empty routing table and stop every running app (invariant 2).
 */
export function refuseLostState(o: { stateFile: string; knownReleases: number | undefined; onDisk: readonly string[]; liveInstances: number }): void {
  if (o.knownReleases !== undefined && o.knownReleases > 0) return;
  if (o.onDisk.length === 0 && o.liveInstances === 0) return;
  const what = o.knownReleases === undefined ? 'is missing' : 'holds no release';
  const evidence = [
    ...(o.onDisk.length > 0 ? [`${o.onDisk.length} release director${o.onDisk.length === 1 ? 'y' : 'ies'} on disk (${o.onDisk.slice(0, 3).join(', ')}${o.onDisk.length > 3 ? ', …' : ''})`] : []),
    ...(o.liveInstances > 0 ? [`${o.liveInstances} running instance(s) of this state directory`] : []),
  ];
  throw new SlipwayError('SLW_STATE_LOST', `The state database ${o.stateFile} ${what}, but there are ${evidence.join(' and ')}; slipway will not start on it, because that would stop them.`);
}
