/** Response policy of a service in slipway.yaml: `headers` (security header presets) and `compress`. */
import { z } from 'zod';
import { HEADER_PRESETS, RESERVED_HEADER_NAMES } from '../proxy/response-policy/presets.js';
import { tag } from './schema-meta.js';

const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
/** Visible characters, spaces and tabs: no CR/LF (no response splitting). */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

function nameHint(value: unknown): { hint: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const lower = value.toLowerCase();
  if (lower === 'strict-transport-security') return { hint: 'HSTS is set per route: `hsts: true | false | "365d"` (on by default under the strict preset).' };
  if (RESERVED_HEADER_NAMES.has(lower)) return { hint: `${lower} frames the message or the connection; the proxy manages it.` };
  if (value !== lower && HEADER_NAME.test(lower)) return { hint: `write it in lower case: ${lower}` };
  return undefined;
}

const headerName = tag(
  z.string().regex(HEADER_NAME).refine((name) => !RESERVED_HEADER_NAMES.has(name)),
  {
    code: 'SLW_CONFIG_BAD_HEADERS',
    expected: 'a lower-case header name (letters, digits, "-") that the proxy does not manage itself',
    quoteValue: true,
    explain: nameHint,
  },
);

const headerValue = tag(z.string().regex(HEADER_VALUE), {
  code: 'SLW_CONFIG_BAD_HEADERS',
  expected: 'a header value on one line (no control characters)',
});

/** A path prefix as routes take it: starts with "/", no spaces, "?" or "#". */
const pathPrefix = tag(z.string().regex(/^\/[^\s?#]*$/), {
  code: 'SLW_CONFIG_BAD_HEADERS',
  expected: 'a path prefix starting with "/" (no spaces, "?" or "#"), such as /assets/',
  quoteValue: true,
});

const preset = tag(z.enum(HEADER_PRESETS), {
  code: 'SLW_CONFIG_BAD_HEADERS',
  expected: 'strict, relaxed or off',
  quoteValue: true,
});

export const headersSchema = tag(
  z.union([
    preset,
    z.strictObject({
      preset: preset.optional().describe('strict, relaxed or off (default: strict in the production environment, relaxed elsewhere).'),
      set: z.record(headerName, headerValue).optional().describe('Headers always set, replacing the app\'s value.'),
      remove: z.array(headerName).optional().describe('Headers removed from the app\'s responses and not added by the preset.'),
      paths: z
        .record(pathPrefix, z.strictObject({ set: z.record(headerName, headerValue).optional(), remove: z.array(headerName).optional() }))
        .optional()
        .describe('Rules per path prefix ("/assets/": { set: { cache-control: … } }): applied on top of set/remove; the longest prefix wins.'),
    }),
  ]),
  {
    code: 'SLW_CONFIG_BAD_HEADERS',
    expected: 'strict, relaxed, off, or { preset, set, remove, paths }',
    quoteValue: true,
    explain: (value) => {
      if (typeof value !== 'string') return undefined;
      const near = HEADER_PRESETS.find((p) => p.startsWith(value.toLowerCase().slice(0, 2)));
      return near ? { hint: `did you mean ${near}?` } : undefined;
    },
  },
);

export const compressSchema = tag(z.boolean(), {
  code: 'SLW_CONFIG_BAD_COMPRESS',
  expected: 'true or false',
  quoteValue: true,
  explain: (value) =>
    typeof value === 'string' && /^(gzip|br|brotli)$/i.test(value)
      ? { hint: 'write compress: true; the proxy picks brotli or gzip for each client from its Accept-Encoding.' }
      : undefined,
});

export type ParsedHeaders = z.output<typeof headersSchema>;
