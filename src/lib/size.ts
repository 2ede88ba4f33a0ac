const UNITS: Readonly<Record<string, number>> = {
  B: 1,
  KB: 1024,
  MB: 1024 ** 2,
  GB: 1024 ** 3,
  KIB: 1024,
  MIB: 1024 ** 2,
  GIB: 1024 ** 3,
};

const SIZE = /^(\d+(?:\.\d+)?)\s*([KMG]i?B|B)$/i;

/** Parses "10MB", "32KB", "512B", "1GiB" into bytes (binary multiples); undefined if malformed. */
export function parseSize(text: string): number | undefined {
  const match = SIZE.exec(text.trim());
  if (!match) return undefined;
  const [, amount, unit] = match;
  const factor = UNITS[(unit ?? '').toUpperCase()];
  if (amount === undefined || factor === undefined) return undefined;
  return Math.round(Number(amount) * factor);
}
