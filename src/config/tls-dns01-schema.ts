/**
 * `tls.acme.dns01`: how slipway answers DNS-01 challenges (needed for wildcard routes). Part of
 * the ACME account, so host-level like the rest of `tls.acme`. Credentials are `${secret:NAME}`
 * references only: the value lives in the secret store, never in the file, the state or a log.
 */
import { z } from 'zod';
import { tag } from './schema-meta.js';
import { duration } from './schema-fields.js';

/** A whole value that is one secret reference (the marker interpolate() leaves for ${secret:NAME}). */
const SECRET_MARKER = /^\0secret:[^:\0]*:[^\0]+\0$/;
const DNS_NAME = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;
/** host, host:port, IPv4[:port] or [IPv6][:port]. */
export const NAME_SERVER_PATTERN = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

export const TSIG_ALGORITHMS = ['hmac-sha256', 'hmac-sha384', 'hmac-sha512', 'hmac-sha224', 'hmac-sha1', 'hmac-md5'] as const;

const secretOnly = (what: string) =>
  // A refinement, not a pattern: the JSON Schema editors read sees the file before interpolation.
  tag(z.string().refine((v) => SECRET_MARKER.test(v)), {
    code: 'SLW_CONFIG_BAD_TLS',
    expected: `a \${secret:NAME} reference for ${what} (set the value with \`slipway secrets set NAME\`)`,
  });

/** The port written after the host (brackets of an IPv6 address skipped), within 1–65535 when there is one. */
const portInRange = (text: string): boolean => {
  const port = /:(\d+)$/.exec(text.replace(/^\[[^\]]*\]/, ''))?.[1];
  return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
};

export const nameServer = tag(z.string().regex(NAME_SERVER_PATTERN).refine(portInRange), {
  code: 'SLW_CONFIG_BAD_TLS',
  expected: 'a name server as host or host:port (port 1–65535, 53 by default)',
  quoteValue: true,
});

const dnsName = (what: string) => tag(z.string().max(253).regex(DNS_NAME), { code: 'SLW_CONFIG_BAD_TLS', expected: what, quoteValue: true });

export const dns01Schema = z
  .strictObject({
    provider: tag(z.enum(['rfc2136', 'cloudflare']), { code: 'SLW_CONFIG_BAD_TLS', expected: 'rfc2136 or cloudflare', quoteValue: true }).describe(
      'rfc2136 (dynamic updates signed with TSIG: BIND, Knot, PowerDNS…) or cloudflare (its API).',
    ),
    server: nameServer.optional().describe('rfc2136: the primary name server that takes updates, host:port (port 53 by default).'),
    zone: dnsName('a zone name such as example.com').optional().describe('rfc2136: the zone to update (default: found by the server from the record name).'),
    key: z
      .strictObject({
        name: dnsName('a TSIG key name').describe('The key name as the server knows it.'),
        algorithm: tag(z.enum(TSIG_ALGORITHMS), { code: 'SLW_CONFIG_BAD_TLS', expected: TSIG_ALGORITHMS.join(', '), quoteValue: true }).default('hmac-sha256').describe('TSIG algorithm (default hmac-sha256).'),
        secret: secretOnly('the base64 TSIG secret').describe('${secret:NAME} holding the base64 key secret.'),
      })
      .optional()
      .describe('rfc2136: the TSIG key that signs the updates.'),
    apiToken: secretOnly('the Cloudflare API token').optional().describe('cloudflare: ${secret:NAME} holding an API token with DNS Write on the zone.'),
    zoneId: tag(z.string().regex(/^[0-9a-f]{32}$/), { code: 'SLW_CONFIG_BAD_TLS', expected: 'a Cloudflare zone id (32 hex digits)', quoteValue: true })
      .optional()
      .describe('cloudflare: the zone id (default: looked up by name with the token).'),
    checkServers: z
      .array(nameServer)
      .min(1)
      .optional()
      .describe('Name servers asked whether the record is served before the CA is told to look (default: rfc2136 the update server, cloudflare the zone\'s NS).'),
    propagationTimeout: duration('2m', 'How long the record may take to show on checkServers before the attempt fails'),
  })
  .describe('DNS-01 challenges (wildcard routes need them): the provider that sets the _acme-challenge TXT records.');

export type ParsedDns01 = z.output<typeof dns01Schema>;
