import { parseDuration } from './duration.js';

/** How much slower than the stable release a canary may be: `relative` (0.2 = 20 %) plus `ms`. */
export interface LatencyMarginValue {
  readonly relative: number;
  readonly ms: number;
}

const PART = /^(?:(\d{1,4}(?:\.\d+)?)%|(\d+(?:\.\d+)?(?:ms|s)))$/;

/**
 * Parses a latency margin: "20%", "5ms", "20% + 5ms" (either order, spaces optional).
 * Undefined for anything else, including a part given twice or a value above 1000 % / 60 s.
 */
export function parseLatencyMargin(text: string): LatencyMarginValue | undefined {
  if (typeof text !== 'string' || text.length > 64) return undefined;
  const parts = text.split('+').map((p) => p.trim());
  if (parts.length < 1 || parts.length > 2) return undefined;
  let relative: number | undefined;
  let ms: number | undefined;
  for (const part of parts) {
    const match = PART.exec(part);
    if (!match) return undefined;
    if (match[1] !== undefined) {
      if (relative !== undefined) return undefined;
      relative = Number(match[1]) / 100;
    } else if (match[2] !== undefined) {
      if (ms !== undefined) return undefined;
      ms = parseDuration(match[2]);
    }
  }
  const out = { relative: relative ?? 0, ms: ms ?? 0 };
  if (!(out.relative <= 10 && out.ms !== undefined && out.ms <= 60_000)) return undefined;
  return out;
}

/** The text form parseLatencyMargin reads back to the same value. */
export function formatLatencyMargin(m: LatencyMarginValue): string {
  return `${Math.round(m.relative * 1e6) / 1e4}% + ${m.ms}ms`;
}
