/**
 * One alert (a rule for one service) and its transition table. Inactive alerts are not kept;
 * pending waits out the rule's for-duration; firing stays until the condition clears, then the
 * alert is resolved (reported once and dropped).
 */
export type AlertState =
  | { readonly kind: 'pending'; readonly since: number; readonly value: number }
  | { readonly kind: 'firing'; readonly since: number; readonly firedAt: number; readonly value: number };

export type Observation = { readonly kind: 'breached'; readonly value: number; readonly forMs: number } | { readonly kind: 'clear' };

export type Transition =
  | { readonly kind: 'none'; readonly next: AlertState | undefined }
  | { readonly kind: 'fired'; readonly next: AlertState }
  | { readonly kind: 'resolved'; readonly last: AlertState & { kind: 'firing' } };

export function step(current: AlertState | undefined, o: Observation, now: number): Transition {
  if (o.kind === 'clear') {
    if (current?.kind === 'firing') return { kind: 'resolved', last: current };
    return { kind: 'none', next: undefined };
  }
  const since = current?.since ?? now;
  switch (current?.kind) {
    case undefined:
    case 'pending':
      return now - since >= o.forMs
        ? { kind: 'fired', next: { kind: 'firing', since, firedAt: now, value: o.value } }
        : { kind: 'none', next: { kind: 'pending', since, value: o.value } };
    case 'firing':
      return { kind: 'none', next: { ...current, value: o.value } };
  }
}
