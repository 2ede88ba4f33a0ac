import { join } from 'node:path';
import { hasServiceRefs, replaceServiceRefs, type ServiceRef } from '../config/service-refs.js';
import { SlipwayError } from '../errors.js';
import type { EngineDeps } from './deps.js';
import { isLive } from './instance-state.js';
import { volumesRoot } from './volumes.js';

type Deps = Pick<EngineDeps, 'store' | 'stateDir' | 'project'>;
export interface Address {
  readonly host: string;
  readonly port: number;
}

/**
 * Resolves the stack markers of one value when a process starts: ${service:NAME.OUTPUT} from
 * NAME's current (active) release and the address of its live instance, ${volume:NAME} to the
 * volume's directory, ${host}/${port} to `self` (the instance starting).
 */
export function resolveStackRefs(deps: Deps, value: string, self: Address | undefined): string {
  if (!hasServiceRefs(value)) return value;
  return replaceServiceRefs(value, (ref) => lookup(deps, ref, self));
}

export function resolveStackEnv(deps: Deps, env: Readonly<Record<string, string>>, self: Address | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, resolveStackRefs(deps, v, self)]));
}

/** An env without the variables that read other services or volumes (builds get none). */
export function withoutStackRefs(env: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => !hasServiceRefs(v)));
}

function lookup(deps: Deps, ref: ServiceRef, self: Address | undefined): string {
  switch (ref.kind) {
    case 'volume':
      return join(volumesRoot(deps), ref.volume);
    case 'self':
      if (!self) throw new Error(`\${${ref.field}} outside a service's outputs`);
      return ref.field === 'host' ? self.host : String(self.port);
    case 'service':
      return outputOf(deps, ref.service, ref.output);
  }
}

/** An output of a service's active release, with its own address (the live instance's) filled in. */
export function outputOf(deps: Deps, service: string, output: string): string {
  const active = deps.store.service(service)?.activeRelease;
  const release = active ? deps.store.release(service, active) : undefined;
  const instance = release ? deps.store.instances({ service, releaseId: release.id }).filter((i) => isLive(i.state)).at(-1) : undefined;
  if (!release || !instance) {
    throw new SlipwayError('SLW_DEPENDENCY_NOT_DEPLOYED', `\${service:${service}.${output}} cannot be resolved: ${service} has no running release here.`, {
      details: { service, output },
    });
  }
  const address: Address = { host: instance.handle?.address.host ?? '127.0.0.1', port: instance.handle?.address.port ?? instance.port };
  if (output === 'address') return `${address.host}:${address.port}`;
  const template = release.spec.outputs?.[output];
  if (template === undefined) {
    throw new SlipwayError('SLW_DEPENDENCY_NOT_DEPLOYED', `\${service:${service}.${output}} cannot be resolved: release ${release.id} of ${service} has no output "${output}" (deploy ${service} again with it).`, {
      details: { service, output, release: release.id },
    });
  }
  // An output may name the dependency's own volumes and address, never other services.
  return replaceServiceRefs(template, (r) => (r.kind === 'service' ? '' : lookup(deps, r, address)));
}
