/**
 * The forms of a secret value a leak scan looks for in whatever slipway wrote or showed (CLI
 * output, files, dashboard pages): the value, its base64 (padded or not), base64url and
 * URL-encoded forms.
 */
export function secretForms(value: string): string[] {
  const b = Buffer.from(value);
  return [value, b.toString('base64'), b.toString('base64').replace(/=+$/, ''), b.toString('base64url'), encodeURIComponent(value)];
}
