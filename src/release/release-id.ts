import { SlipwayError } from '../errors.js';

const ID = /^r([1-9]\d*)(?:-([0-9a-f]{7}))?$/;

/** A release id: `r<n>`, or `r<n>-<first 7 hex digits of the commit>` for a git source. */
export function releaseId(n: number, commit?: string): string {
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new SlipwayError('SLW_INTERNAL', `Release number ${n} is not a positive integer.`);
  }
  if (commit === undefined) return `r${n}`;
  if (!/^[0-9a-f]{7,64}$/.test(commit)) {
    throw new SlipwayError('SLW_INTERNAL', `${JSON.stringify(commit)} is not a git commit id.`);
  }
  return `r${n}-${commit.slice(0, 7)}`;
}

/** The parts of a release id, or undefined if `id` is not one. */
export function parseReleaseId(id: string): { n: number; shortCommit?: string } | undefined {
  const match = ID.exec(id);
  if (!match) return undefined;
  const n = Number(match[1]);
  return match[2] ? { n, shortCommit: match[2] } : { n };
}
