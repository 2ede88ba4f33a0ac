/**
 * Request admission settings of slipway.yaml: `proxy.trustedProxies`, `proxy.limits`,
 * `proxy.rateLimits`, and per route `allow`, `deny`, `rateLimit` and `basicAuth`.
 */
import { z } from 'zod';
import { isCidr } from '../lib/cidr.js';
import { tag } from './schema-meta.js';
import { count, duration } from './schema-fields.js';
import { DEFAULT_LIMITS } from '../proxy/admission/limit-defaults.js';
import { parseSize } from '../lib/size.js';

/** Same grammar as parseSize in src/lib/size.ts. */
export const SIZE_PATTERN = /^\d+(?:\.\d+)?\s*(?:[KMG]i?B|B)$/i;
/** "20/s", "5/min", "100/h", "1000/d". */
export const RATE_PATTERN = /^(\d+(?:\.\d+)?)\s*\/\s*(s|sec|second|m|min|minute|h|hour|d|day)$/;
export const ZONE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;
/** The zone every route without its own `rateLimit` uses, when it is declared. */
export const DEFAULT_ZONE = 'general';

/** Largest `proxy.limits.body` and `proxy.limits.headers` (documented in docs/config.md). */
export const MAX_BODY_BYTES = 64 * 1024 ** 3;
export const MAX_HEADER_BYTES = 1024 ** 2;

function size(fallback: string, maxBytes: number, maxText: string, description: string) {
  // A malformed value is left to the pattern's issue; only a well-formed one can be too large.
  const withinMax = (text: string): boolean => (parseSize(text) ?? 0) <= maxBytes;
  return tag(z.string().regex(SIZE_PATTERN).refine(withinMax), {
    code: 'SLW_CONFIG_BAD_SIZE',
    expected: `a size with a unit, such as "10MB" or "32KB", at most ${maxText}`,
    quoteValue: true,
    explain: (value) =>
      typeof value === 'number'
        ? { message: `expected a size with a unit, got the bare number ${value}`, hint: `write ${value}B, or use KB / MB` }
        : typeof value === 'string' && SIZE_PATTERN.test(value) && !withinMax(value)
          ? { message: `"${value}" is larger than this field allows (at most ${maxText})`, hint: `write a size of at most ${maxText}` }
          : undefined,
  })
    .default(fallback)
    .describe(`${description} (default ${fallback}, at most ${maxText}).`);
}

export const cidr = tag(z.string().refine(isCidr), {
  code: 'SLW_CONFIG_BAD_CIDR',
  expected: 'an IP address or CIDR block, such as 10.0.0.0/8',
  quoteValue: true,
});

export const limitsSchema = z.strictObject({
  body: size(`${DEFAULT_LIMITS.bodyBytes / 1024 ** 2}MB`, MAX_BODY_BYTES, '64GB', 'Largest request body; larger gets 413'),
  headers: size(`${DEFAULT_LIMITS.headerBytes / 1024}KB`, MAX_HEADER_BYTES, '1MB', 'Largest request head (request line and header fields); larger gets 431'),
  headerTimeout: duration(`${DEFAULT_LIMITS.headerTimeoutMs / 1000}s`, 'Time a client has to send the whole request head (slowloris protection)'),
  idleTimeout: duration(`${DEFAULT_LIMITS.idleTimeoutMs / 1000}s`, 'Time an idle keep-alive client connection is kept'),
  upstreamTimeout: duration(`${DEFAULT_LIMITS.upstreamTimeoutMs / 1000}s`, 'Time the app has to start its response, and between two body chunks; then 504'),
  maxConnections: count(DEFAULT_LIMITS.maxConnections, 1, 1_000_000, 'Client connections per listener'),
});

const PER_UNIT_S: Readonly<Record<string, number>> = { s: 1, sec: 1, second: 1, m: 60, min: 60, minute: 60, h: 3600, hour: 3600, d: 86_400, day: 86_400 };
/** Largest rate of a zone (its default burst, one second of the rate, stays within burst's maximum). */
export const MAX_RATE_PER_SECOND = 1_000_000;

/** "20/s" → 20, "5/min" → 1/12; undefined when not a rate. */
export function parseRate(text: string): number | undefined {
  const match = RATE_PATTERN.exec(text.trim());
  const unit = PER_UNIT_S[match?.[2] ?? ''];
  return match && unit !== undefined ? Number(match[1]) / unit : undefined;
}

const rateInBounds = (text: string): boolean => {
  const perSecond = parseRate(text) ?? 1; // a malformed rate is the pattern's issue
  return perSecond > 0 && perSecond <= MAX_RATE_PER_SECOND;
};

const rate = tag(z.string().regex(RATE_PATTERN).refine(rateInBounds), {
  code: 'SLW_CONFIG_BAD_RATE',
  expected: `a rate such as "20/s", "5/min" or "100/h", above 0 and at most ${MAX_RATE_PER_SECOND}/s`,
  quoteValue: true,
  explain: (value) =>
    typeof value === 'number'
      ? { hint: `write ${value}/s (per second) or ${value}/min` }
      : typeof value === 'string' && RATE_PATTERN.test(value) && !rateInBounds(value)
        ? { message: `"${value}" is outside what a zone allows (above 0 and at most ${MAX_RATE_PER_SECOND}/s)`, hint: 'write a rate above 0, such as "1/min"; `rateLimit: off` on a route turns limiting off' }
        : undefined,
});

export const rateLimitZoneSchema = z.strictObject({
  rate: rate.describe('Sustained requests per client address: "20/s", "5/min", "100/h".'),
  burst: tag(z.number().int().min(1).max(1_000_000), { code: 'SLW_CONFIG_RANGE', expected: 'a whole number from 1 to 1000000', quoteValue: true })
    .optional()
    .describe('Requests a client may make at once above the rate (default: one second of the rate, at least 1).'),
});

const zoneName = tag(z.string().regex(ZONE_NAME_PATTERN), {
  code: 'SLW_CONFIG_BAD_RATE',
  expected: 'a zone name (lower-case letters, digits, "-")',
  quoteValue: true,
});

export const proxyPolicyFields = {
  trustedProxies: z.array(cidr).default([]).describe('Proxies in front of slipway (CIDR blocks) whose X-Forwarded-For is believed for the client address; default none.'),
  limits: limitsSchema.prefault({}).describe('Request size and time limits of the client listeners.'),
  rateLimits: z.record(zoneName, rateLimitZoneSchema).default({}).describe('Named rate-limit zones (token bucket per client address); a zone named "general" applies to every route that names none.'),
};

/** A scrypt hash as `slipway secrets hash-password` prints it. */
export const PASSWORD_HASH_PATTERN = /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/;

/** A ${secret:NAME} reference, as interpolation leaves it (src/secrets/reference.ts). */
const SECRET_MARKER_PATTERN = /^\0secret:[^:\0]*:[^\0]+\0$/;

const passwordHash = tag(z.string().refine((v) => PASSWORD_HASH_PATTERN.test(v) || SECRET_MARKER_PATTERN.test(v)), {
  code: 'SLW_CONFIG_BAD_PASSWORD_HASH',
  expected: 'a scrypt hash made by `slipway secrets hash-password`',
});

export const routePolicyFields = {
  allow: z.array(cidr).min(1).optional().describe('Client addresses (IP or CIDR blocks) allowed on the route, after proxy.trustedProxies; others get 403. Default: everyone.'),
  deny: z.array(cidr).min(1).optional().describe('Client addresses (IP or CIDR blocks) refused with 403 on the route, even when allow holds them.'),
  rateLimit: zoneName.optional().describe('Rate-limit zone (a key of proxy.rateLimits), or "off"; default the "general" zone when declared.'),
  basicAuth: z
    .strictObject({
      realm: z.string().min(1).max(100).regex(/^[^"\\\x00-\x1f]*$/).optional().describe('Shown by browsers in the login prompt (default: the service name).'),
      users: z.record(z.string().min(1).max(100).regex(/^[^:\x00-\x1f]+$/), passwordHash).describe('User name → scrypt hash from `slipway secrets hash-password` (or a ${secret:NAME} holding one).'),
    })
    .optional()
    .describe('HTTP basic auth in front of the route.'),
};

export type ParsedLimits = z.output<typeof limitsSchema>;
export type ParsedZone = z.output<typeof rateLimitZoneSchema>;
