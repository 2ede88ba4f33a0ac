/**
 * The one redactor: every known secret value, and its common encodings (base64, base64url,
 * URL-encoded, JSON-escaped, each line of a multi-line value), becomes `[redacted:NAME]`.
 * Values shorter than MIN_LENGTH are not hidden: they would blank out ordinary text.
 */
import { redactedMark, type Secret } from './secret.js';

export const MIN_LENGTH = 6;
const MIN_LINE = 16;

export class Redactor {
  readonly #forms = new Map<string, string>();
  #pattern: RegExp | undefined;

  add(secret: Secret): void {
    this.addValue(secret.name, secret.reveal());
  }

  addValue(name: string, value: string): void {
    const mark = redactedMark(name.split('.')[0] ?? name);
    for (const form of encodings(value)) {
      if (form.length >= MIN_LENGTH && !this.#forms.has(form)) {
        this.#forms.set(form, mark);
        this.#pattern = undefined;
      }
    }
  }

  get size(): number {
    return this.#forms.size;
  }

  redact(text: string): string {
    if (this.#forms.size === 0 || text.length === 0) return text;
    this.#pattern ??= new RegExp([...this.#forms.keys()].sort((a, b) => b.length - a.length).map(escape).join('|'), 'g');
    return text.replace(this.#pattern, (match) => this.#forms.get(match) ?? '[redacted]');
  }

  /** Redacts every string inside a JSON-like value (a copy). */
  redactDeep<T>(value: T): T {
    return JSON.parse(this.redact(JSON.stringify(value))) as T;
  }
}

/** The forms a value is hidden in. */
export function encodings(value: string): string[] {
  const bytes = Buffer.from(value);
  const forms = new Set<string>([
    value,
    bytes.toString('base64'),
    bytes.toString('base64').replace(/=+$/, ''),
    bytes.toString('base64url'),
    encodeURIComponent(value),
    encodeURIComponent(value).replace(/%20/g, '+'),
    JSON.stringify(value).slice(1, -1),
  ]);
  if (value.includes('\n')) {
    for (const line of value.split(/\r?\n/)) if (line.trim().length >= MIN_LINE) forms.add(line.trim());
  }
  return [...forms];
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
