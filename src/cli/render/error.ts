import type { SlipwayError } from '../../errors.js';

interface IssueLike {
  code?: string;
  message?: string;
  hint?: string;
  path?: string;
  location?: { file: string; line: number; col: number };
}

function where(loc: IssueLike['location']): string {
  return loc ? `${loc.file}:${loc.line}:${loc.col} ` : '';
}

/** Text form of an error: what happened, each config issue with its location, and the hint. */
export function renderError(err: SlipwayError): string {
  const lines = [`error ${err.code}: ${err.message}`];
  const issues = Array.isArray(err.details?.['issues']) ? (err.details['issues'] as IssueLike[]) : [];
  for (const issue of issues) {
    lines.push(`  ${where(issue.location)}${issue.code ?? ''}${issue.path ? ` at ${issue.path}` : ''}: ${issue.message ?? ''}`);
    if (issue.hint) lines.push(`    hint: ${issue.hint}`);
  }
  const warnings = Array.isArray(err.details?.['warnings']) ? (err.details['warnings'] as IssueLike[]) : [];
  if (warnings.length > 0) lines.push(`  and ${warnings.length} warning${warnings.length === 1 ? '' : 's'} (--strict fails on them):`);
  for (const w of warnings) {
    lines.push(`  ${where(w.location)}${w.code ?? ''}${w.path ? ` at ${w.path}` : ''}: ${w.message ?? ''}`);
    if (w.hint) lines.push(`    hint: ${w.hint}`);
  }
  const lastLines = Array.isArray(err.details?.['lastLines']) ? (err.details['lastLines'] as string[]) : [];
  if (lastLines.length > 0) {
    lines.push(`  last log lines of ${String(err.details?.['instance'] ?? 'the instance')}:`);
    for (const line of lastLines) lines.push(`    | ${line}`);
  }
  if (err.location && issues.length === 0) lines.push(`  at ${where(err.location).trim()}`);
  if (issues.length === 0) lines.push(`hint: ${err.hint}`);
  return lines.join('\n');
}
