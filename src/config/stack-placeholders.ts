/**
 * The stack placeholders of slipway.yaml and where each may be written:
 * ${service:NAME.OUTPUT} in a service's env, run and release; ${volume:NAME} there and in its
 * outputs; ${host} and ${port} (the service's own address) in its outputs only. Each becomes a
 * marker (service-refs.ts) resolved when a process starts.
 */
import { rawIssue, type ConfigPath, type RawIssue } from './issue.js';
import { SERVICE_NAME_PATTERN } from './schema-fields.js';
import { OUTPUT_NAME_PATTERN } from './service-fields.js';
import { selfMarker, serviceMarker, volumeMarker, type ServiceRef } from './service-refs.js';

/** A placeholder as written: where, by which service, naming what. */
export interface StackRefUse {
  readonly path: ConfigPath;
  /** The service whose field holds it. */
  readonly from: string;
  readonly ref: ServiceRef;
}

type Placed = { readonly use: StackRefUse; readonly marker: string } | { readonly issue: RawIssue };

export function stackPlaceholder(name: string, path: ConfigPath): Placed {
  const ref = parseRef(name);
  if (!ref) return { issue: rawIssue('SLW_CONFIG_BAD_INTERPOLATION', path, `\${${name.slice(0, 60)}} is malformed: write \${service:NAME.OUTPUT} or \${volume:NAME}`) };
  const field = fieldOf(path);
  const allowed = field === undefined ? false : ref.kind === 'self' ? field === 'outputs' : ref.kind === 'volume' ? true : field !== 'outputs';
  if (!allowed || typeof path[1] !== 'string') {
    const where = ref.kind === 'self' ? 'a service\'s outputs' : ref.kind === 'volume' ? 'a service\'s env, run, release and outputs' : 'a service\'s env, run and release';
    return { issue: rawIssue('SLW_CONFIG_BAD_INTERPOLATION', path, `\${${name}} may only be written in ${where}`) };
  }
  const marker = ref.kind === 'service' ? serviceMarker(ref.service, ref.output) : ref.kind === 'volume' ? volumeMarker(ref.volume) : selfMarker(ref.field);
  return { use: { path, from: path[1], ref }, marker };
}

function parseRef(name: string): ServiceRef | undefined {
  if (name === 'host' || name === 'port') return { kind: 'self', field: name };
  if (name.startsWith('volume:')) {
    const volume = name.slice('volume:'.length).trim();
    return SERVICE_NAME_PATTERN.test(volume) ? { kind: 'volume', volume } : undefined;
  }
  const body = name.slice('service:'.length).trim();
  const dot = body.indexOf('.');
  const service = body.slice(0, dot);
  const output = body.slice(dot + 1);
  if (dot < 0 || !SERVICE_NAME_PATTERN.test(service) || !(output === 'address' || OUTPUT_NAME_PATTERN.test(output))) return undefined;
  return { kind: 'service', service, output };
}

/** services.<name>.env.<VAR> / run / release (string or list) / outputs.<NAME>: the field a placeholder is in. */
function fieldOf(path: ConfigPath): 'env' | 'run' | 'release' | 'outputs' | undefined {
  if (path[0] !== 'services') return undefined;
  const field = path[2];
  if ((field === 'env' || field === 'outputs') && path.length === 4) return field;
  if ((field === 'run' || field === 'release') && (path.length === 3 || (path.length === 4 && typeof path[3] === 'number'))) return field;
  return undefined;
}
