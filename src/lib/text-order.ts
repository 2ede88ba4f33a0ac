/**
 * Orders two strings by UTF-16 code unit, as `Array.prototype.sort` does without a comparator.
 * Names slipway sorts for output (secrets, volumes, instance ids) are ASCII identifiers, where this
 * is the order a reader expects. Not `localeCompare`: its first call loads ICU's collation data,
 * ~3 MB of RSS that the daemon then keeps for good (docs/design.md, "Lean processes").
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
