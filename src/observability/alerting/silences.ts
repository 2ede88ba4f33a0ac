/** Silences: a rule (optionally for one service) kept out of notifications until it expires. */
export interface Silence {
  readonly id: string;
  readonly rule: string;
  /** undefined: every service. */
  readonly service?: string | undefined;
  readonly createdAt: string;
  readonly expiresAt: string;
}

export function activeSilences(list: readonly Silence[], now: number): Silence[] {
  return list.filter((s) => Date.parse(s.expiresAt) > now);
}

export function isSilenced(list: readonly Silence[], rule: string, service: string, now: number): boolean {
  return list.some((s) => s.rule === rule && (s.service === undefined || s.service === service) && Date.parse(s.expiresAt) > now);
}
