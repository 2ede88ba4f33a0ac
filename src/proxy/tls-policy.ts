import type { SecureContextOptions } from 'node:tls';

/**
 * Mozilla's "intermediate" configuration (server-side TLS guidelines, v5.7): TLS 1.2 and 1.3
 * only; the TLS 1.2 suites are ECDHE/DHE with AEAD ciphers, in Mozilla's order. DHE suites
 * need dhparam, which the proxy does not set, so in practice only the ECDHE ones are offered.
 */
export const INTERMEDIATE_TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'DHE-RSA-AES128-GCM-SHA256',
  'DHE-RSA-AES256-GCM-SHA384',
  'DHE-RSA-CHACHA20-POLY1305',
] as const;

export const TLS13_SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const;

/** Options shared by the listener and every per-host secure context. */
export const TLS_POLICY: SecureContextOptions = {
  minVersion: 'TLSv1.2',
  maxVersion: 'TLSv1.3',
  ciphers: [...TLS13_SUITES, ...INTERMEDIATE_TLS12_CIPHERS].join(':'),
  ecdhCurve: 'X25519:prime256v1:secp384r1',
  // Mozilla intermediate: the client's order (all offered suites are strong).
  honorCipherOrder: false,
};
