/** Parsed admission settings → the model: bytes, ms, per-second rates, each route's zone resolved. */
import { parseDuration } from '../lib/duration.js';
import { parseSize } from '../lib/size.js';
import type { BasicAuthSpec, LimitsSpec, RateLimitSpec } from './proxy-policy-model.js';
import { DEFAULT_ZONE, parseRate, type ParsedLimits, type ParsedZone } from './proxy-policy-schema.js';

export function limitsSpec(l: ParsedLimits): LimitsSpec {
  return {
    bodyBytes: bytes(l.body),
    headerBytes: bytes(l.headers),
    headerTimeoutMs: ms(l.headerTimeout),
    idleTimeoutMs: ms(l.idleTimeout),
    upstreamTimeoutMs: ms(l.upstreamTimeout),
    maxConnections: l.maxConnections,
  };
}

/** "20/s" → 20, "5/min" → 1/12. */
export function perSecond(rate: string): number {
  const value = parseRate(rate);
  if (value === undefined) throw new Error(`rate "${rate}" passed the schema but not perSecond`);
  return value;
}

export function rateLimitSpecs(zones: Readonly<Record<string, ParsedZone>>): Record<string, RateLimitSpec> {
  const out: Record<string, RateLimitSpec> = {};
  for (const [name, zone] of Object.entries(zones)) {
    const rate = perSecond(zone.rate);
    out[name] = { perSecond: rate, burst: zone.burst ?? Math.max(1, Math.ceil(rate)) };
  }
  return out;
}

/** A route's zone: its own, "off" for none, else "general" when declared. */
export function routeZone(written: string | undefined, zones: Readonly<Record<string, unknown>>): { rateLimit?: string } {
  if (written === 'off') return {};
  if (written !== undefined) return { rateLimit: written };
  return Object.hasOwn(zones, DEFAULT_ZONE) ? { rateLimit: DEFAULT_ZONE } : {};
}

export function basicAuthSpec(written: { realm?: string | undefined; users: Record<string, string> } | undefined, service: string): { basicAuth?: BasicAuthSpec } {
  if (!written) return {};
  return { basicAuth: { realm: written.realm ?? service, users: { ...written.users } } };
}

function bytes(text: string): number {
  const value = parseSize(text);
  if (value === undefined) throw new Error(`size "${text}" passed the schema but not parseSize`);
  return value;
}

function ms(text: string): number {
  const value = parseDuration(text);
  if (value === undefined) throw new Error(`duration "${text}" passed the schema but not parseDuration`);
  return value;
}
