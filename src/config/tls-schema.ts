/** TLS parts of slipway.yaml: top-level `tls.acme`, and per route `tls`, `redirectHttp`, `hsts`. */
import { z } from 'zod';
import { tag } from './schema-meta.js';
import { DURATION_PATTERN } from './schema-fields.js';
import { parseDuration } from '../lib/duration.js';
import { dns01Schema } from './tls-dns01-schema.js';

/** Short names of well-known ACME directories. */
export const ACME_DIRECTORIES: Readonly<Record<string, string>> = {
  letsencrypt: 'https://acme-v02.api.letsencrypt.org/directory',
  'letsencrypt-staging': 'https://acme-staging-v02.api.letsencrypt.org/directory',
};

const acmeDirectory = tag(
  z.string().refine((v) => Object.hasOwn(ACME_DIRECTORIES, v) || /^https:\/\/[^\s/]+(\/\S*)?$/.test(v)),
  {
    code: 'SLW_CONFIG_BAD_ACME_DIRECTORY',
    expected: 'letsencrypt, letsencrypt-staging or an https:// directory URL',
    quoteValue: true,
  },
);

export const tlsSchema = z.strictObject({
  acme: z
    .strictObject({
      email: tag(z.email(), { code: 'SLW_CONFIG_BAD_TLS', expected: 'an email address for the ACME account', quoteValue: true }).optional(),
      directory: acmeDirectory.default('letsencrypt').describe('letsencrypt (default), letsencrypt-staging, or a directory URL.'),
      caBundle: z.string().min(1).optional().describe('PEM file of extra roots to trust the directory with (test CAs), relative to the config file.'),
      challenge: tag(z.enum(['http-01', 'tls-alpn-01', 'dns-01', 'auto']), { code: 'SLW_CONFIG_BAD_TLS', expected: 'http-01, tls-alpn-01, dns-01 or auto', quoteValue: true })
        .default('auto')
        .describe('How the CA checks the host: http-01 (port 80), tls-alpn-01 (the HTTPS port, port 80 not needed), dns-01 (a TXT record, through dns01) or auto (http-01 first, the other after a failure; wildcard hosts always dns-01).'),
      dns01: dns01Schema.optional(),
    })
    .optional()
    .describe('ACME account used by routes with tls: auto.'),
});

export const routeTls = tag(
  z.union([
    z.literal('auto'),
    z.literal('internal'),
    z.literal('off'),
    z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }),
  ]),
  {
    code: 'SLW_CONFIG_BAD_TLS',
    expected: 'auto, internal, off, or { cert: FILE, key: FILE }',
    quoteValue: true,
  },
);

/** HSTS max-age is sent in the header, never armed as a timer: up to two years (browsers cap it near there). */
const MAX_HSTS_MS = 730 * 86_400_000;

const hstsMaxAge = z.string().regex(DURATION_PATTERN).refine((t) => (parseDuration(t) ?? 0) <= MAX_HSTS_MS);

export const hsts = tag(
  z.union([
    z.boolean(),
    hstsMaxAge,
    z.strictObject({
      maxAge: tag(hstsMaxAge, { code: 'SLW_CONFIG_BAD_TLS', expected: 'a max-age duration such as "365d" (at most 730d)', quoteValue: true }).default('365d'),
      includeSubDomains: tag(z.boolean(), { code: 'SLW_CONFIG_BAD_TLS', expected: 'true or false', quoteValue: true }).default(false),
      preload: tag(z.boolean(), { code: 'SLW_CONFIG_BAD_TLS', expected: 'true or false', quoteValue: true }).default(false),
    }),
  ]),
  {
    code: 'SLW_CONFIG_BAD_TLS',
    expected: 'true, false, a max-age duration such as "365d" (at most 730d), or { maxAge, includeSubDomains, preload }',
    quoteValue: true,
  },
);

/** hstspreload.org's floor for a preloaded max-age: one year. */
export const HSTS_PRELOAD_MIN_S = 365 * 86_400;

export type ParsedTls = z.output<typeof tlsSchema>;
export type ParsedRouteTls = z.output<typeof routeTls>;
export type ParsedHsts = z.output<typeof hsts>;
