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

/** Bytes as the largest binary unit that keeps a whole or one-decimal number: "256 MiB", "1.5 GiB", "900 B". */
export function formatSize(bytes: number): string {
  for (const [unit, factor] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= factor) return `${Number((bytes / factor).toFixed(1))} ${unit}`;
  }
  return `${bytes} B`;
}
