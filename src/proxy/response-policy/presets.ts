/**
 * The security header presets of `headers: strict | relaxed | off`, and the header names a
 * service's `set` / `remove` may not touch. Shared by the config validation and the proxy.
 *
 * Strict-Transport-Security is not here: it belongs to a host's certificate (route `hsts`,
 * whose default follows the preset: on under strict) and is sent on HTTPS only.
 */

export type HeaderPreset = 'strict' | 'relaxed' | 'off';

export const HEADER_PRESETS = ['strict', 'relaxed', 'off'] as const;

/** The default Content-Security-Policy of the strict preset: same-origin everything, no plugins, no framing by others. */
export const STRICT_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "object-src 'none'",
  "frame-ancestors 'self'",
  "form-action 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
].join('; ');

const RELAXED: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'SAMEORIGIN',
  'referrer-policy': 'strict-origin-when-cross-origin',
};

const STRICT: Readonly<Record<string, string>> = {
  'content-security-policy': STRICT_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'SAMEORIGIN',
  'referrer-policy': 'same-origin',
  'permissions-policy': 'accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()',
  'cross-origin-opener-policy': 'same-origin',
};

/** The headers a preset adds (lower-case names). */
export function presetHeaders(preset: HeaderPreset): Readonly<Record<string, string>> {
  switch (preset) {
    case 'strict':
      return STRICT;
    case 'relaxed':
      return RELAXED;
    case 'off':
      return {};
  }
}

/**
 * Names `set` and `remove` may not name: message framing and connection management belong to
 * the proxy, and HSTS to the route's `hsts` setting (one place decides it).
 */
export const RESERVED_HEADER_NAMES: ReadonlySet<string> = new Set([
  'connection',
  'content-encoding',
  'content-length',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'strict-transport-security',
]);
