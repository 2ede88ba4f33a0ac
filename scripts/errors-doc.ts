import type { CodeInfo, CodeTable } from '../src/error-code-info.js';
import { SlipwayError, type ErrorCode } from '../src/errors.js';
import { exitCodeFor } from '../src/cli/exit-codes.js';
import { coreCodes } from '../src/core-codes.js';
import { apiCodes } from '../src/api/codes.js';
import { configCodes } from '../src/config/codes.js';
import { engineCodes } from '../src/engine/codes.js';
import { releaseCodes } from '../src/release/codes.js';
import { driverCodes } from '../src/drivers/codes.js';
import { proxyCodes } from '../src/proxy/codes.js';
import { observabilityCodes } from '../src/observability/codes.js';
import { backupCodes } from '../src/backup/codes.js';
import { certCodes } from '../src/certs/codes.js';
import { secretsCodes } from '../src/secrets/codes.js';
import { composeCodes } from '../src/compose/codes.js';

/** One section of docs/errors.md: the codes of one area, in the order of its code table. */
export interface ErrorArea {
  readonly title: string;
  readonly intro?: string;
  readonly codes: CodeTable;
}

/** The sections of docs/errors.md, in order. A catalog code in none of them lands in "Other codes". */
export const errorAreas: readonly ErrorArea[] = [
  { title: 'General', codes: coreCodes },
  { title: 'CLI and daemon connection', codes: apiCodes },
  {
    title: 'Config (slipway.yaml)',
    intro:
      'A command that cannot use the config fails with `SLW_CONFIG_NOT_FOUND` or `SLW_CONFIG_INVALID`. ' +
      'Every other code of this section names one problem inside `SLW_CONFIG_INVALID`: the CLI prints each ' +
      'problem with its file:line:col, and `--json` lists them under `error.details.issues`.',
    codes: configCodes,
  },
  { title: 'Deploys, rollbacks and state', codes: engineCodes },
  { title: 'Releases: source snapshot and build', codes: releaseCodes },
  { title: 'App instances', codes: driverCodes },
  { title: 'Proxy', codes: proxyCodes },
  {
    title: 'Metrics and health (admin listener)',
    intro: '`SLW_READY_PROXY_DOWN`, `SLW_READY_JOURNAL_UNWRITABLE` and `SLW_READY_DISK_LOW` are not thrown: each names a failed check in the JSON body of `/health/ready` (HTTP 503).',
    codes: observabilityCodes,
  },
  { title: 'Backups', codes: backupCodes },
  { title: 'TLS certificates', codes: certCodes },
  { title: 'Secrets', codes: secretsCodes },
  { title: 'Importing a Compose file (`slipway import compose`)', codes: composeCodes },
];

const KIND_TEXT: Record<CodeInfo['kind'], string> = {
  user: 'user (you can fix it)',
  deploy: 'deploy (the deploy or rollback ran and failed; traffic stayed on, or went back to, the previous release)',
  internal: 'internal (a bug in slipway or a failure of the machine)',
};

const INTRO = `# Error codes

<!-- Generated from the error catalog (src/errors.ts) by \`node --import tsx scripts/gen-errors-doc.ts\`.
     Do not edit by hand: test/docs/errors-doc.test.ts fails when this file and the catalog differ. -->

Every error slipway reports carries a stable code such as \`SLW_LOCK_HELD\`. A code never changes
meaning once published: scripts may match on it. The message says what happened in this case;
the hint says how to fix it. With \`--json\` the CLI prints the error as
\`{ "ok": false, "error": { "code", "message", "hint", "location"?, "details"? } }\`.

Each code has a kind, and the kind decides the CLI's exit code:

| Kind | Meaning | Exit code |
| --- | --- | --- |
| \`user\` | bad input or a state you can change: usage, config, unknown service, nothing to roll back | 2 |
| \`deploy\` | a deploy or rollback ran and failed; traffic stayed on (or went back to) the previous release | 3 |
| \`internal\` | a bug in slipway or a failure of the machine (disk, sockets) | 1 |

Two codes have their own exit code: \`SLW_DAEMON_UNREACHABLE\` exits with 4 and \`SLW_LOCK_HELD\`
exits with 5. A command that succeeds exits with 0.
`;

/** Escapes Markdown outside `code spans`, so titles and hints render as written. */
function inlineText(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/[\\*[\]<>]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : `\\${c}`))))
    .join('');
}

function renderCode(code: string, info: CodeInfo): string {
  const exit = exitCodeFor(new SlipwayError(code as ErrorCode, ''));
  return [
    `### ${code}`,
    '',
    inlineText(info.title),
    '',
    `**How to fix:** ${inlineText(info.hint)}`,
    '',
    `**Kind:** ${KIND_TEXT[info.kind]}; exit code ${exit}.`,
  ].join('\n');
}

function renderSection(title: string, intro: string | undefined, codes: readonly [string, CodeInfo][]): string {
  const parts = [`## ${title}`];
  if (intro) parts.push(intro);
  for (const [code, info] of codes) parts.push(renderCode(code, info));
  return parts.join('\n\n');
}

/** docs/errors.md for a catalog: pure, so the test can compare it with the file on disk. */
export function renderErrorsDoc(catalog: CodeTable, areas: readonly ErrorArea[] = errorAreas): string {
  const placed = new Set<string>();
  const sections: string[] = [];
  for (const area of areas) {
    const codes = Object.keys(area.codes)
      .filter((code) => Object.hasOwn(catalog, code) && !placed.has(code))
      .map((code): [string, CodeInfo] => [code, catalog[code]!]);
    for (const [code] of codes) placed.add(code);
    if (codes.length > 0) sections.push(renderSection(area.title, area.intro, codes));
  }
  const rest = Object.entries(catalog).filter(([code]) => !placed.has(code));
  if (rest.length > 0) sections.push(renderSection('Other codes', undefined, rest));
  return `${[INTRO.trimEnd(), ...sections].join('\n\n')}\n`;
}
