/**
 * References between services and to volumes, kept as markers until an instance starts (like
 * secret references, src/secrets/reference.ts: NUL bytes, which execve refuses, so an
 * unresolved one can never reach a process silently). The engine resolves them
 * (src/engine/service-refs.ts) from the dependency's current release.
 *
 *   ${service:NAME.OUTPUT}  \0service:NAME.OUTPUT\0   (OUTPUT "address" is host:port)
 *   ${volume:NAME}          \0volume:NAME\0           (the volume's absolute directory)
 *   ${host} / ${port}       \0self:host\0 / \0self:port\0   (in outputs: the service's own address)
 */
export type ServiceRef =
  | { readonly kind: 'service'; readonly service: string; readonly output: string }
  | { readonly kind: 'volume'; readonly volume: string }
  | { readonly kind: 'self'; readonly field: 'host' | 'port' };

const MARKER = /\0(service|volume|self):([^\0]*)\0/g;

export function serviceMarker(service: string, output: string): string {
  return `\0service:${service}.${output}\0`;
}

export function volumeMarker(volume: string): string {
  return `\0volume:${volume}\0`;
}

export function selfMarker(field: 'host' | 'port'): string {
  return `\0self:${field}\0`;
}

export function hasServiceRefs(value: string): boolean {
  return /\0(?:service|volume|self):/.test(value);
}

/** Replaces every marker by what `lookup` gives for it. */
export function replaceServiceRefs(value: string, lookup: (ref: ServiceRef) => string): string {
  return value.replace(MARKER, (_m, kind: string, body: string) => lookup(parse(kind, body)));
}

/** How a marker is shown to people: the placeholder the user wrote. */
export function displayServiceRefs(value: string): string {
  return replaceServiceRefs(value, (r) => (r.kind === 'service' ? `\${service:${r.service}.${r.output}}` : r.kind === 'volume' ? `\${volume:${r.volume}}` : `\${${r.field}}`));
}

function parse(kind: string, body: string): ServiceRef {
  if (kind === 'volume') return { kind, volume: body };
  if (kind === 'self') return { kind, field: body === 'host' ? 'host' : 'port' };
  const dot = body.indexOf('.');
  return { kind: 'service', service: body.slice(0, dot), output: body.slice(dot + 1) };
}
