/** Compose value grammars (durations, sizes, ports, lists of KEY=VALUE) read into plain values; undefined when malformed. */

const DURATION_PART = /(\d+(?:\.\d+)?)(h|ms|m|s|us|ns)/gy;
const PART_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, ns: 0.000001 };

/** A Compose duration ("1m30s", "500ms", "10s") in milliseconds. */
export function composeDurationMs(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let at = 0;
  for (let m = DURATION_PART.exec(value); m !== null; m = DURATION_PART.exec(value)) {
    total += Number(m[1]) * (PART_MS[m[2] ?? ''] ?? Number.NaN);
    at = DURATION_PART.lastIndex;
  }
  return at === value.length && Number.isFinite(total) ? Math.round(total) : undefined;
}

/** Milliseconds as a slipway duration: whole seconds as "30s", else "1500ms". */
export function slipwayDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${Math.max(1, ms)}ms`;
}

const SIZE = /^(\d+(?:\.\d+)?)\s*([bkmg]?)b?$/i;
const SIZE_FACTOR: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** A Compose byte size ("512M", "1g", "1.5gb", 268435456) in bytes. */
export function composeBytes(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = SIZE.exec(value.trim());
  if (!m) return undefined;
  const bytes = Math.floor(Number(m[1]) * (SIZE_FACTOR[(m[2] ?? '').toLowerCase()] ?? Number.NaN));
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

/** Bytes as a slipway memory size: "512m" when a whole number of MiB, else the number. */
export function slipwayMemory(bytes: number): string | number {
  const mib = 1024 ** 2;
  if (bytes % (1024 * mib) === 0) return `${bytes / (1024 * mib)}g`;
  return bytes % mib === 0 ? `${bytes / mib}m` : bytes;
}

/** A number of CPUs ("0.5" or 0.5). */
export function composeCpus(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+(?:\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

export interface PortMapping {
  /** The port the app listens on inside the container. */
  readonly container: number;
  readonly published?: number | undefined;
}

const SHORT_PORT = /^(?:(?:\[[0-9a-fA-F:.]+\]|[0-9.]+):)?(?:(\d{1,5}(?:-\d{1,5})?):)?(\d{1,5})(?:-\d{1,5})?(?:\/(?:tcp|udp|sctp))?$/;

/** One entry of `ports:`/`expose:`: "8080:80", "127.0.0.1:8080:80", "80", 80, { target, published }. */
export function composePort(value: unknown): PortMapping | undefined {
  if (typeof value === 'number') return validPort(value) ? { container: value } : undefined;
  if (typeof value === 'string') {
    const m = SHORT_PORT.exec(value.trim());
    if (!m) return undefined;
    const container = Number(m[2]);
    const published = m[1] === undefined ? undefined : Number(m[1].split('-')[0]);
    return validPort(container) && (published === undefined || validPort(published)) ? { container, published } : undefined;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    const target = typeof o['target'] === 'string' ? Number(o['target']) : o['target'];
    const published = typeof o['published'] === 'string' ? Number(o['published']) : o['published'];
    if (typeof target !== 'number' || !validPort(target)) return undefined;
    return { container: target, published: typeof published === 'number' && validPort(published) ? published : undefined };
  }
  return undefined;
}

function validPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65_535;
}

export type ScalarValue = string | number | boolean | null;

/**
 * A Compose mapping that may also be a list of "KEY=VALUE" (environment, build args, labels):
 * KEY alone (a list entry without "=", or a null value) is null, meaning "from the shell".
 */
export function composeKeyValues(value: unknown): Map<string, ScalarValue> | undefined {
  const out = new Map<string, ScalarValue>();
  if (Array.isArray(value)) {
    for (const entry of value) {
      if (typeof entry !== 'string' || entry === '') return undefined;
      const eq = entry.indexOf('=');
      if (eq === 0) return undefined;
      out.set(eq < 0 ? entry : entry.slice(0, eq), eq < 0 ? null : entry.slice(eq + 1));
    }
    return out;
  }
  if (value === null || typeof value !== 'object') return undefined;
  for (const [k, v] of Object.entries(value)) {
    if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return undefined;
    out.set(k, v);
  }
  return out;
}

/** A value that is a string or a list of strings (command, entrypoint, env_file, tmpfs, dns). */
export function stringOrList(value: unknown): string | string[] | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string')) return value;
  return undefined;
}

export type Interpolation =
  | { readonly kind: 'literal'; readonly text: string }
  /** Compose substitutes shell variables here; `names` are the variables, `fallback` the default of a lone ${NAME:-x}. */
  | { readonly kind: 'variables'; readonly names: readonly string[]; readonly whole: boolean; readonly fallback?: string | undefined };

const VARIABLE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Reads Compose's interpolation in a string: `$$` is a literal `$`, `${NAME}`/`$NAME` are shell variables. */
export function composeInterpolation(text: string): Interpolation {
  const names: string[] = [];
  let literal = '';
  let last = 0;
  let fallback: string | undefined;
  for (const m of text.matchAll(VARIABLE)) {
    literal += text.slice(last, m.index);
    last = m.index + m[0].length;
    if (m[0] === '$$') {
      literal += '$';
      continue;
    }
    names.push(m[1] ?? m[4] ?? '');
    if (m[2] === ':-' || m[2] === '-') fallback = m[3];
  }
  if (names.length === 0) return { kind: 'literal', text: literal + text.slice(last) };
  const whole = names.length === 1 && /^\$(?:\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)$/.test(text);
  return { kind: 'variables', names, whole, ...(whole && fallback !== undefined ? { fallback } : {}) };
}

/** The text with each ${NAME:-default} replaced by its default; undefined when a variable has none. */
export function withDefaults(text: string): string | undefined {
  let missing = false;
  const out = text.replace(VARIABLE, (whole: string, _name: string | undefined, op: string | undefined, fallback: string | undefined) => {
    if (whole === '$$') return '$';
    if (op === ':-' || op === '-') return fallback ?? '';
    missing = true;
    return '';
  });
  return missing ? undefined : out;
}
