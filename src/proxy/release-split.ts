import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ServiceTable } from './protocol.js';

/** The release a request goes to, and the cookie that keeps the client there (if new). */
export interface Assignment {
  readonly release: string | undefined;
  readonly setCookie: string | undefined;
}

const NONE: Assignment = { release: undefined, setCookie: undefined };

/**
 * Chooses a release for a request under a canary split: a sticky client keeps its release
 * while that release still has weight; anyone else is drawn at random by weight.
 * `random` is injectable for tests.
 */
export function assignRelease(config: ServiceTable, headers: IncomingHttpHeaders, random: () => number = Math.random): Assignment {
  const weights = config.weights;
  if (!weights) return NONE;
  const releases = Object.keys(weights).sort();
  const sticky = config.sticky;
  if (sticky?.kind === 'header') {
    const value = headerValue(headers[sticky.name.toLowerCase()]);
    if (value !== undefined) return { release: byPoint(releases, weights, hashPoint(value)), setCookie: undefined };
  }
  if (sticky?.kind === 'cookie') {
    const kept = cookieValue(headers.cookie, sticky.name);
    if (kept !== undefined && (weights[kept] ?? 0) > 0) return { release: kept, setCookie: undefined };
    const release = byPoint(releases, weights, random());
    return { release, setCookie: release ? `${sticky.name}=${release}; Path=/; HttpOnly; SameSite=Lax` : undefined };
  }
  return { release: byPoint(releases, weights, random()), setCookie: undefined };
}

/** Walks the cumulative weights (in a stable order) to the release covering `point` in [0, 1). */
function byPoint(releases: readonly string[], weights: Readonly<Record<string, number>>, point: number): string | undefined {
  const total = releases.reduce((sum, r) => sum + (weights[r] ?? 0), 0);
  if (total <= 0) return undefined;
  let acc = 0;
  for (const release of releases) {
    acc += (weights[release] ?? 0) / total;
    if (point < acc) return release;
  }
  return releases[releases.length - 1];
}

/** A stable point in [0, 1) for a header value (a user id): the same user, the same side. */
function hashPoint(value: string): number {
  return createHash('sha256').update(value).digest().readUInt32BE(0) / 2 ** 32;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v === undefined || v === '' ? undefined : v;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
