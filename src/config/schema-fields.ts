/** Leaf value schemas of slipway.yaml, each tagged with the issue code its failures get. */
import { PROJECT_NAME_PATTERN } from './project-name.js';
import { z } from 'zod';
import { tag } from './schema-meta.js';
import { parseListenAddress } from '../lib/listen-address.js';
import { parseDuration } from '../lib/duration.js';

/** Same grammar as parseDuration in src/lib/duration.ts (a test keeps them in step). */
export const DURATION_PATTERN = /^\d+(?:\.\d+)?(?:ms|s|m|h|d)$/;
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
export const ROUTE_HOST_PATTERN = new RegExp(`^(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*$`);
export const SERVICE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;
export const ENV_NAME_PATTERN = /^[a-z][a-z0-9-]*$/;
export const ENV_VAR_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const URL_PATH_PATTERN = /^\/[^\s?#]*$/;

export function duration(fallback: string, description: string) {
  return durationValue().default(fallback).describe(`${description} (default ${fallback}, at most ${MAX_TIMER_TEXT}).`);
}

/**
 * The longest duration a field that arms a timer takes: node fires a timer set past 2^31−1 ms
 * (about 24.8 days) after 1 ms, so `drain: 30d` would cut requests at once.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;
export const MAX_TIMER_TEXT = '24d';

/** A duration with a unit and no default (for lists of durations), at most `maxMs` (written `maxText` in messages). */
export function durationValue(maxMs: number = MAX_TIMER_MS, maxText: string = MAX_TIMER_TEXT) {
  // A malformed value is left to the pattern's issue; only a well-formed one can be too long.
  const withinMax = (text: string): boolean => (parseDuration(text) ?? 0) <= maxMs;
  return tag(z.string().regex(DURATION_PATTERN).refine(withinMax), {
    code: 'SLW_CONFIG_BAD_DURATION',
    expected: `a duration with a unit, such as "30s", at most ${maxText}`,
    quoteValue: true,
    explain: (value) => {
      if (typeof value === 'number' || (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()))) {
        return { message: `expected a duration with a unit, got the bare number ${String(value)}`, hint: `write ${String(value)}s (units: ms, s, m, h, d)` };
      }
      if (typeof value === 'string' && DURATION_PATTERN.test(value) && !withinMax(value)) {
        return { message: `"${value}" is longer than this field allows (at most ${maxText})`, hint: `write a duration of at most ${maxText}` };
      }
      return undefined;
    },
  });
}

export function count(fallback: number, min: number, max: number, description: string) {
  return tag(z.number().int().min(min).max(max), {
    code: 'SLW_CONFIG_RANGE',
    expected: `a whole number from ${min} to ${max}`,
    quoteValue: true,
  })
    .default(fallback)
    .describe(`${description} (${min}..${max}, default ${fallback}).`);
}

export const port = tag(z.number().int().min(0).max(65535), {
  code: 'SLW_CONFIG_BAD_PORT',
  expected: 'a port number from 1 to 65535',
  quoteValue: true,
  explain: (value) =>
    typeof value === 'string' && /^\d+$/.test(value) ? { hint: `write the number without quotes: ${value}` } : undefined,
});

export const listenHost = tag(z.union([z.ipv4(), z.ipv6(), z.literal('localhost')]), {
  code: 'SLW_CONFIG_BAD_HOST',
  expected: 'an IP address to listen on, such as 0.0.0.0 or 127.0.0.1',
  quoteValue: true,
});

export const listenAddress = tag(z.string().refine((text) => parseListenAddress(text) !== undefined), {
  code: 'SLW_CONFIG_BAD_LISTEN',
  expected: 'an address and port to listen on, such as 127.0.0.1:9180',
  quoteValue: true,
  explain: (value) => {
    if (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value))) {
      return { hint: `write the address too: 127.0.0.1:${String(value)} (loopback only) or 0.0.0.0:${String(value)}` };
    }
    if (typeof value !== 'string') return undefined;
    if (value.includes('://')) return { hint: 'write host:port only, without the scheme (no http://).' };
    if (parseListenAddress(`${value}:9180`)) return { hint: `add the port: ${value}:9180` };
    if (/^[^[].*:.*:/.test(value)) return { hint: 'put an IPv6 address in brackets: [::1]:9180' };
    return { hint: 'the host is an IP address (or localhost) and the port a number from 0 to 65535.' };
  },
});

export const routeHost = tag(z.string().max(253).regex(ROUTE_HOST_PATTERN), {
  code: 'SLW_CONFIG_BAD_HOST',
  expected: 'a lower-case host name such as app.example.com or *.example.com',
  quoteValue: true,
  explain: (value) => {
    if (typeof value !== 'string') return undefined;
    if (value.includes('://')) return { hint: 'write the host only, without the scheme (no http://).' };
    if (value.includes(':')) return { hint: 'remove the port: routes match the host name only; the proxy port is proxy.http.' };
    if (value !== value.toLowerCase()) return { hint: `write it in lower case: ${value.toLowerCase()}` };
    if (value.includes('*')) return { hint: 'a wildcard may only be the whole first label, as in *.example.com.' };
    return undefined;
  },
});

export const urlPath = tag(z.string().regex(URL_PATH_PATTERN), {
  code: 'SLW_CONFIG_BAD_PATH',
  expected: 'a URL path starting with "/"',
  quoteValue: true,
  explain: (value) =>
    typeof value === 'string' && !value.startsWith('/') && URL_PATH_PATTERN.test(`/${value}`)
      ? { hint: `write /${value}` }
      : undefined,
});

export const command = tag(z.union([z.string(), z.array(z.string()).min(1)]), {
  code: 'SLW_CONFIG_BAD_COMMAND',
  expected: 'a command string or a non-empty list of strings',
});

export const envValue = tag(z.union([z.string(), z.number(), z.boolean()]), {
  code: 'SLW_CONFIG_INVALID_TYPE',
  expected: 'a string, number or boolean',
});

export const version = tag(z.literal(1), {
  code: 'SLW_CONFIG_VERSION',
  expected: 'the number 1',
  quoteValue: true,
}).describe('Config format version; always 1.');

const keyName = (code: 'SLW_CONFIG_SERVICE_NAME' | 'SLW_CONFIG_PROJECT_NAME' | 'SLW_CONFIG_ENV_NAME' | 'SLW_CONFIG_ENV_VAR_NAME', pattern: RegExp, expected: string) =>
  tag(z.string().regex(pattern), { code, expected, quoteValue: true });

export const serviceName = keyName('SLW_CONFIG_SERVICE_NAME', SERVICE_NAME_PATTERN, 'a service name (lower-case letters, digits, "-")');
export const projectName = keyName('SLW_CONFIG_PROJECT_NAME', PROJECT_NAME_PATTERN, 'a project name (lower-case letters, digits, "-")');
export const envName = keyName('SLW_CONFIG_ENV_NAME', ENV_NAME_PATTERN, 'an environment name (lower-case letters, digits, "-")');
export const envVarName = keyName('SLW_CONFIG_ENV_VAR_NAME', ENV_VAR_PATTERN, 'a variable name (letters, digits, "_")');

export const PERCENT_PATTERN = /^(?:\d{1,2}(?:\.\d+)?)%$/;

/** A traffic share written as a percentage below 100, such as "5%" or "12.5%". */
export const percent = tag(z.string().regex(PERCENT_PATTERN), {
  code: 'SLW_CONFIG_BAD_PERCENT',
  expected: 'a percentage from 0% to 99%, such as "5%"',
  quoteValue: true,
  explain: (value) =>
    typeof value === 'number' && value > 0 && value < 1
      ? { hint: `write ${Math.round(value * 1000) / 10}% (a percentage with the % sign)` }
      : typeof value === 'number' && value >= 1 && value < 100
        ? { hint: `write ${value}% (with the % sign)` }
        : undefined,
});

export const stickyMode = tag(z.union([z.literal('cookie'), z.literal('none'), z.string().regex(/^header:[A-Za-z0-9-]+$/)]), {
  code: 'SLW_CONFIG_BAD_STICKY',
  expected: 'cookie, none or header:<name>',
  quoteValue: true,
});
